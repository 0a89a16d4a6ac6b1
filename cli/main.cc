// `stele`: one binary for the server and every client command.
#include <cstdio>
#include <cstring>
#include <string>

#include "cli/commands.h"

namespace {

constexpr const char* kUsage = R"(usage: stele COMMAND [ARGS]

  server [--listen 127.0.0.1:7070] [--data-dir DIR] [--tls-cert F --tls-key F]
  keygen --out NAME                        write NAME.key and NAME.pub (Ed25519)
  push NAME:VERSION --kernel F [--initrd F] [--cmdline S] [--annotation k=v] --key NAME.key
  push NAME:VERSION --draft build/images/NAME --key NAME.key   (a manifest draft from images/)
       [--chunk-size 16MiB]                upload chunk (at most the server's --max-chunk-size)
  key add NAME.pub [--names PATTERN] [--not-before T] [--not-after T] [--comment C]
  key list | key retire ID | key revoke ID
  token create --role admin|deployer|pusher|viewer [--names PATTERN] [--description D]
  token list | token revoke ID
  host add NAME --uri URI [--accel kvm|qemu] [--label k=v]...
  host drain NAME | host remove NAME [--force]
  get images [NAME] | get hosts                 (every get takes -o json)
  get deployments [NAME] | get networks [NAME]
  get instances [ID] [--deployment NAME]
  get events [--deployment NAME] [--instance ID] [-w]   -w follows new events until interrupted
  apply -f FILE [--dry-run]                FILE.yaml (multi-document), FILE.json, or - for stdin
  delete -f FILE | delete deployment NAME | delete network NAME | delete instance ID
  logs INSTANCE [--bytes N]                the tail of the instance's serial console
  rollout status NAME [--timeout 10m]      follow the rollout: exit 0 complete, 1 failed or
                                           rolled back, 2 timed out
  rollout history NAME | rollout undo NAME [--to-revision N]
  rollout pause|resume|promote|restart NAME  restart: replace every instance, same revision
  image verify NAME:VERSION | image delete NAME:VERSION

Client commands take --server URL and --token T, or STELE_SERVER / STELE_TOKEN
(default server http://127.0.0.1:7070). `stele COMMAND --help` shows more.
)";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 ||
      std::strcmp(argv[1], "help") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  std::string command = argv[1];
  stele::cli::Argv rest(argv + 2, argv + argc);
  if (command == "server") return stele::cli::runServerCommand(rest);
  if (command == "keygen") return stele::cli::runKeygen(rest);
  if (command == "push") return stele::cli::runPush(rest);
  if (command == "key") return stele::cli::runKey(rest);
  if (command == "token") return stele::cli::runToken(rest);
  if (command == "get") return stele::cli::runGet(rest);
  if (command == "image") return stele::cli::runImage(rest);
  if (command == "host") return stele::cli::runHost(rest);
  if (command == "apply") return stele::cli::runApply(rest);
  if (command == "delete") return stele::cli::runDelete(rest);
  if (command == "logs") return stele::cli::runLogs(rest);
  if (command == "rollout") return stele::cli::runRollout(rest);
  std::fprintf(stderr, "stele: unknown command \"%s\"\n\n%s", command.c_str(), kUsage);
  return 2;
}
