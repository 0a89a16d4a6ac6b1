#include "scheduler/desired_state.h"

#include <map>
#include <set>

#include "images/strict_json.h"
#include "scheduler/resource_parser.h"
#include "scheduler/revision_history.h"
#include "store/event_repository.h"
#include "store/host_repository.h"

namespace stele::scheduler {
namespace {

struct Submitted {
  Document document;
  Resource resource;
  DocumentRef ref;
  std::string canonical;  // the document's canonical JSON
  std::optional<ResolvedImage> image;
  std::optional<store::HostRecord> host;
  // The networks its config values were run through the appliance's grammar with, before the
  // transaction; nullopt until then.
  std::optional<std::map<std::string, NetworkResource>> grammarCheckedWith;
};

std::unexpected<Error> withDocument(const DocumentRef& ref, const Error& error) {
  return fail(error.kind, error.code, ref.describe() + ": " + error.message);
}

template <class T>
const T* as(const Resource& resource) {
  return std::get_if<T>(&resource);
}

bool sameHost(const store::HostRecord& a, const store::HostRecord& b) {
  return a.uri == b.uri && a.accel == b.accel && a.labels == b.labels &&
         a.probeNetns == b.probeNetns;
}

// Every Network and Deployment once the submission is applied over what is stored.
struct World {
  std::map<std::string, NetworkResource> networks;
  std::map<std::string, DeploymentResource> deployments;
  std::set<std::string> submittedDeployments;
  std::set<std::string> submittedNetworks;
};

Result<World> worldAfter(store::DesiredRepository& repo, const std::vector<Submitted>& submitted) {
  World world;
  auto stored = repo.list();
  if (!stored) return fail(stored.error());
  for (const auto& record : *stored) {
    auto resource = parseStoredDocument(record.document);
    if (!resource) return fail(resource.error());
    if (const auto* n = as<NetworkResource>(*resource)) world.networks[n->meta.name] = *n;
    if (const auto* d = as<DeploymentResource>(*resource)) world.deployments[d->meta.name] = *d;
  }
  for (const auto& s : submitted) {
    if (const auto* n = as<NetworkResource>(s.resource)) {
      world.networks[n->meta.name] = *n;
      world.submittedNetworks.insert(n->meta.name);
    }
    if (const auto* d = as<DeploymentResource>(s.resource)) {
      world.deployments[d->meta.name] = *d;
      world.submittedDeployments.insert(d->meta.name);
    }
  }
  return world;
}

std::vector<const DeploymentResource*> othersThan(const World& world, const std::string& name) {
  std::vector<const DeploymentResource*> out;
  for (const auto& [other, deployment] : world.deployments) {
    if (other != name) out.push_back(&deployment);
  }
  return out;
}

// The networks `d` attaches to, as they are in `networks` (absent ones are left out).
std::map<std::string, NetworkResource> networksOf(
    const DeploymentResource& d, const std::map<std::string, NetworkResource>& networks) {
  std::map<std::string, NetworkResource> out;
  for (const auto& nic : d.interfaces) {
    if (auto it = networks.find(nic.network); it != networks.end()) out.insert(*it);
  }
  return out;
}

bool usesAny(const DeploymentResource& d, const std::set<std::string>& networks) {
  for (const auto& nic : d.interfaces) {
    if (networks.count(nic.network) != 0) return true;
  }
  return false;
}

// What an instance is made of: the spec without replicas (scaling makes no new revision).
std::string templateOf(const nlohmann::json& document) {
  nlohmann::json spec = document.value("spec", nlohmann::json::object());
  spec.erase("replicas");
  return spec.dump();
}

// Every submitted deployment's references (validateDeploymentReferences) in the world after
// the submission; the config grammar only where it has not run yet with these networks.
Result<void> validateSubmittedDeployments(const std::vector<Submitted>& submitted,
                                          const World& world) {
  for (const auto& s : submitted) {
    const auto* d = as<DeploymentResource>(s.resource);
    if (d == nullptr) continue;
    auto values = s.grammarCheckedWith && *s.grammarCheckedWith == networksOf(*d, world.networks)
                      ? ConfigValues::AlreadyChecked
                      : ConfigValues::Check;
    if (auto r = validateDeploymentReferences(s.ref, *d, *s.image, world.networks,
                                              othersThan(world, d->meta.name), values);
        !r) {
      return r;
    }
  }
  return {};
}

}  // namespace

Result<Resource> parseStoredDocument(const std::string& document) {
  auto body = images::parseStrictJson(document, "stored document", 34);
  if (!body) return fail(body.error());
  return parseResource(Document{0, std::move(*body)});
}

Result<ResolvedImage> DesiredState::resolveImage(const ImageRequest& image,
                                                 images::BlobProof proof) {
  std::string version = image.version;
  if (version.empty()) {
    auto versions = registry_.listVersions(image.name);
    if (!versions) return fail(versions.error());
    for (const auto& v : *versions) {
      if (v.record.manifestDigest == image.digest && !v.record.deletedAt)
        version = v.record.version;
    }
    if (version.empty()) {
      return fail(ErrorKind::Unprocessable, "image_not_found",
                  "spec.image: no version of " + image.name + " has digest " + image.digest);
    }
  }
  auto stored = registry_.checkDeployable(image.name, version, proof);
  if (!stored) {
    const Error& e = stored.error();
    std::string code = e.kind == ErrorKind::NotFound ? "image_not_found" : e.code;
    return fail(ErrorKind::Unprocessable, code, "spec.image: " + e.message);
  }
  ResolvedImage out{image.name, version, stored->record.manifestDigest, stored->manifest, {}};
  for (const auto& s : stored->record.signatures) out.signerKeys.push_back(s.keyId);
  return out;
}

Result<ApplyResult> DesiredState::apply(const ApplyRequest& request) {
  auto documents = parseDocuments(request.body, request.format);
  if (!documents) return fail(documents.error());
  std::vector<Submitted> submitted;
  std::map<std::pair<std::string, std::string>, std::size_t> seen;
  for (auto& document : *documents) {
    auto resource = parseResource(document);
    if (!resource) return fail(resource.error());
    DocumentRef ref{document.index, kindOf(*resource), nameOf(*resource)};
    auto [it, fresh] = seen.emplace(std::pair{ref.kind, ref.name}, ref.index);
    if (!fresh) {
      return fieldError(ref, "metadata.name",
                        "the same object is document " + std::to_string(it->second));
    }
    if (request.authorize) {
      if (auto r = request.authorize(ref.kind, ref.name); !r) return withDocument(ref, r.error());
    }
    std::string canonical = document.body.dump();
    submitted.push_back({std::move(document), std::move(*resource), ref, canonical, {}, {}, {}});
  }
  // I/O outside the transaction: the registry's deploy gate re-hashes blobs; hosts validate
  // their URIs (and test paths) under the server's policy.
  for (auto& s : submitted) {
    if (const auto* d = as<DeploymentResource>(s.resource)) {
      auto image = resolveImage(d->image);
      if (!image) return withDocument(s.ref, image.error());
      s.image = std::move(*image);
    }
    if (const auto* h = as<HostResource>(s.resource)) {
      auto record = hosts_.recordFor(h->request);
      if (!record) return withDocument(s.ref, record.error());
      s.host = std::move(*record);
    }
  }

  // The appliance grammar (milliseconds for a large zone) runs here, before the write
  // transaction, against what is stored now; the transaction checks everything again but
  // skips the grammar for a deployment whose networks are still the ones it was checked with.
  {
    store::DesiredRepository repo(db_);
    auto world = worldAfter(repo, submitted);
    if (!world) return fail(world.error());
    if (auto r = validateSubmittedDeployments(submitted, *world); !r) return fail(r.error());
    for (auto& s : submitted) {
      if (const auto* d = as<DeploymentResource>(s.resource))
        s.grammarCheckedWith = networksOf(*d, world->networks);
    }
  }

  ApplyResult result;
  result.dryRun = request.dryRun;
  std::vector<std::string> newHosts;
  std::int64_t now = clock_.nowMs();
  auto body = [&](store::Database& tx) -> Result<void> {
    result.items.clear();
    result.deployments.clear();
    result.networks.clear();
    newHosts.clear();
    store::DesiredRepository repo(tx);
    store::HostRepository hostRepo(tx);
    store::EventRepository events(tx);
    store::RevisionRepository revisions(tx);
    auto world = worldAfter(repo, submitted);
    if (!world) return fail(world.error());
    if (auto r = validateSubmittedDeployments(submitted, *world); !r) return r;
    // Stored deployments on a network this submission changes must still fit it.
    for (const auto& [name, d] : world->deployments) {
      if (world->submittedDeployments.count(name) != 0 || !usesAny(d, world->submittedNetworks)) {
        continue;
      }
      if (auto r = validateDeploymentInterfaces(DocumentRef{0, "Deployment", name}, d,
                                                world->networks, othersThan(*world, name));
          !r) {
        return fail(ErrorKind::Unprocessable, "reference_invalid",
                    "the networks applied would break a stored deployment: " + r.error().message);
      }
    }
    for (const auto& s : submitted) {
      ApplyItem item{s.ref.index, s.ref.kind, s.ref.name, "unchanged", 0};
      if (s.host) {
        auto existing = hostRepo.find(s.host->name);
        if (!existing) return fail(existing.error());
        if (existing->has_value() && !sameHost(**existing, *s.host)) {
          return fieldError(s.ref, "spec",
                            "host " + s.host->name +
                                " exists with other settings; remove it first (stele host remove)",
                            ErrorKind::Conflict, "host_exists");
        }
        if (!existing->has_value()) {
          item.action = "created";
          if (!request.dryRun) {
            if (auto r = hostRepo.insert(*s.host); !r) return r;
            newHosts.push_back(s.host->name);
          }
        }
      } else {
        auto existing = repo.find(s.ref.kind, s.ref.name);
        if (!existing) return fail(existing.error());
        item.generation = existing->has_value() ? (*existing)->generation : 0;
        item.revision = existing->has_value() ? (*existing)->revision : 0;
        std::string templateText = templateOf(s.document.body);
        const std::int64_t previousRevision = item.revision;
        bool newRevision = false;
        if (!existing->has_value() || (*existing)->document != s.canonical) {
          item.action = existing->has_value() ? "configured" : "created";
          item.generation += 1;
          if (s.ref.kind == "Deployment" &&
              (!existing->has_value() || (*existing)->templateText != templateText)) {
            auto number = revisionNumberFor(revisions, s.ref.name, templateText, item.revision);
            if (!number) return fail(number.error());
            item.revision = *number;
            newRevision = true;
            item.newRevision = true;
          }
          store::DesiredObjectRecord record{s.ref.kind,
                                            s.ref.name,
                                            s.canonical,
                                            item.generation,
                                            item.revision,
                                            templateText,
                                            std::nullopt,
                                            std::nullopt,
                                            request.appliedBy,
                                            existing->has_value() ? (*existing)->createdAt : now,
                                            now};
          if (s.image) {
            record.imageName = s.image->name;
            record.imageVersion = s.image->version;
          }
          if (!request.dryRun) {
            if (auto r = repo.put(record); !r) return r;
          }
          if (!request.dryRun && newRevision) {
            const auto& d = std::get<DeploymentResource>(s.resource);
            store::RevisionRecord revision;
            revision.deployment = s.ref.name;
            revision.revision = item.revision;
            revision.templateText = templateText;
            revision.document = s.canonical;
            revision.imageName = s.image->name;
            revision.imageVersion = s.image->version;
            revision.imageDigest = s.image->manifestDigest;
            revision.signerKeys = nlohmann::json(s.image->signerKeys).dump();
            revision.appliedBy = request.appliedBy;
            auto cause = d.meta.annotations.find(kChangeCauseAnnotation);
            if (cause != d.meta.annotations.end()) revision.changeCause = cause->second;
            if (auto r = makeCurrent(revisions, std::move(revision), previousRevision,
                                     d.revisionHistoryLimit, now);
                !r) {
              return r;
            }
          }
        }
      }
      if (item.action != "unchanged") {
        result.changed = true;
        if (!request.dryRun) {
          std::string message = s.ref.kind + " " + s.ref.name + " " + item.action;
          if (item.generation > 0) {
            message += " (generation " + std::to_string(item.generation);
            if (item.revision > 0) message += ", revision " + std::to_string(item.revision);
            message += ")";
          }
          if (!request.appliedBy.empty()) message += " by " + request.appliedBy;
          auto added = events.append({0, now, "Normal", "Applied", s.ref.kind, s.ref.name,
                                      s.ref.kind == "Deployment" ? s.ref.name : "", "", message});
          if (!added) return fail(added.error());
        }
      }
      result.items.push_back(item);
      if (const auto* n = as<NetworkResource>(s.resource)) result.networks.push_back(*n);
      if (const auto* d = as<DeploymentResource>(s.resource)) {
        PlanDeployment planned;
        planned.name = d->meta.name;
        planned.revision = item.revision;
        planned.spec = *d;
        planned.spec.image.version = s.image->version;
        planned.vcpus = d->vcpus.value_or(static_cast<unsigned>(s.image->manifest.vcpus));
        planned.memoryMiB =
            d->memoryMiB.value_or(static_cast<std::uint64_t>(s.image->manifest.memoryMiB));
        result.deployments.push_back(std::move(planned));
      }
    }
    return {};
  };
  if (request.dryRun) {
    if (auto r = body(db_); !r) return fail(r.error());
    return result;
  }
  if (auto r = db_.transaction(body); !r) return fail(r.error());
  for (const auto& name : newHosts) (void)hosts_.connectStored(name);
  if (result.changed && onChange_) onChange_();
  return result;
}

Result<void> DesiredState::rollBack(const std::string& name, std::int64_t to,
                                    std::int64_t rollbackOf, const std::string& reason,
                                    const std::string& by) {
  std::int64_t now = clock_.nowMs();
  auto done = db_.transaction([&](store::Database& tx) -> Result<void> {
    store::DesiredRepository repo(tx);
    store::RevisionRepository revisions(tx);
    auto stored = repo.find("Deployment", name);
    if (!stored) return fail(stored.error());
    if (!*stored) {
      return fail(ErrorKind::NotFound, "deployment_not_found", "deployment " + name + " not found");
    }
    store::DesiredObjectRecord record = **stored;
    if (record.revision == to) {
      return fail(ErrorKind::Conflict, "already_current",
                  "revision " + std::to_string(to) + " of " + name + " is already current");
    }
    auto target = revisions.find(name, to);
    if (!target) return fail(target.error());
    if (!*target) {
      return fail(ErrorKind::NotFound, "revision_not_found",
                  "deployment " + name + " has no revision " + std::to_string(to) +
                      " (stele rollout history " + name + " lists those kept)");
    }
    auto current = images::parseStrictJson(record.document, "stored document", 34);
    auto document = images::parseStrictJson((*target)->document, "stored revision", 34);
    if (!current || !document) return fail(!current ? current.error() : document.error());
    (*document)["spec"]["replicas"] = (*current)["spec"].value("replicas", 1);
    auto resource = parseResource(Document{0, *document});
    if (!resource) return fail(resource.error());
    const std::int64_t previous = record.revision;
    record.document = document->dump();
    record.generation += 1;
    record.revision = to;
    record.templateText = (*target)->templateText;
    record.imageName = (*target)->imageName;
    record.imageVersion = (*target)->imageVersion;
    record.appliedBy = by;
    record.updatedAt = now;
    if (auto r = repo.put(record); !r) return r;
    if (rollbackOf > 0) {
      if (auto r = revisions.setOutcome(name, previous, store::outcome::kFailed, reason, now); !r) {
        return r;
      }
    }
    store::RevisionRecord revision = **target;
    revision.rollbackOf = rollbackOf;
    revision.promotedAtMs = now;  // back to a revision that ran: no canary phase
    revision.appliedBy = by;
    revision.changeCause = reason;
    int limit = std::get<DeploymentResource>(*resource).revisionHistoryLimit;
    if (auto r = makeCurrent(revisions, std::move(revision), previous, limit, now); !r) return r;
    std::string message = (rollbackOf > 0 ? "rolled back from revision " : "undone: revision ") +
                          std::to_string(previous) + " -> " + std::to_string(to) + ": " + reason;
    if (!by.empty()) message += " (by " + by + ")";
    auto added = store::EventRepository(tx).append({0, now, rollbackOf > 0 ? "Warning" : "Normal",
                                                    rollbackOf > 0 ? "RolledBack" : "Undone",
                                                    "Deployment", name, name, "", message});
    if (!added) return fail(added.error());
    return {};
  });
  if (!done) return done;
  if (onChange_) onChange_();
  return {};
}

Result<void> DesiredState::remove(const std::string& kind, const std::string& name) {
  auto done = db_.transaction([&](store::Database& tx) -> Result<void> {
    store::DesiredRepository repo(tx);
    if (kind == "Network") {
      auto stored = repo.list("Deployment");
      if (!stored) return fail(stored.error());
      for (const auto& record : *stored) {
        auto resource = parseStoredDocument(record.document);
        if (!resource) return fail(resource.error());
        if (usesAny(std::get<DeploymentResource>(*resource), {name})) {
          return fail(ErrorKind::Conflict, "network_in_use",
                      "network " + name + " is used by deployment " + record.name);
        }
      }
    }
    if (auto r = repo.remove(kind, name); !r) return r;
    if (kind == "Deployment") {
      if (auto r = store::RevisionRepository(tx).removeAll(name); !r) return r;
    }
    store::EventRepository events(tx);
    auto added =
        events.append({0, clock_.nowMs(), "Normal", "Deleted", kind, name,
                       kind == "Deployment" ? name : "", "", kind + " " + name + " deleted"});
    if (!added) return fail(added.error());
    return {};
  });
  if (!done) return done;
  if (onChange_) onChange_();
  return {};
}

namespace {

// Stored records of one kind, each parsed back into its typed form.
template <class Stored, class Kind>
Result<std::vector<Stored>> storedOfKind(store::Database& db, const std::string& kind) {
  store::DesiredRepository repo(db);
  auto records = repo.list(kind);
  if (!records) return fail(records.error());
  std::vector<Stored> out;
  out.reserve(records->size());
  for (auto& record : *records) {
    auto resource = parseStoredDocument(record.document);
    if (!resource) return fail(resource.error());
    out.push_back({std::move(record), std::get<Kind>(std::move(*resource))});
  }
  return out;
}

template <class Stored, class Kind>
Result<Stored> storedOne(store::Database& db, const std::string& kind, const std::string& name) {
  store::DesiredRepository repo(db);
  auto record = repo.find(kind, name);
  if (!record) return fail(record.error());
  if (!record->has_value()) {
    std::string lower = kind == "Network" ? "network" : "deployment";
    return fail(ErrorKind::NotFound, lower + "_not_found", "no " + lower + " named " + name);
  }
  auto resource = parseStoredDocument((*record)->document);
  if (!resource) return fail(resource.error());
  return Stored{std::move(**record), std::get<Kind>(std::move(*resource))};
}

}  // namespace

Result<std::vector<StoredNetwork>> DesiredState::networks() {
  return storedOfKind<StoredNetwork, NetworkResource>(db_, "Network");
}

Result<std::vector<StoredDeployment>> DesiredState::deployments() {
  return storedOfKind<StoredDeployment, DeploymentResource>(db_, "Deployment");
}

Result<StoredDeployment> DesiredState::deployment(const std::string& name) {
  return storedOne<StoredDeployment, DeploymentResource>(db_, "Deployment", name);
}

Result<StoredNetwork> DesiredState::network(const std::string& name) {
  return storedOne<StoredNetwork, NetworkResource>(db_, "Network", name);
}

}  // namespace stele::scheduler
