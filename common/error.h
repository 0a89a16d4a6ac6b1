// The one error type that crosses module boundaries.
//
// Public functions return Result<T>: a value, or an Error naming what was wrong.
// `kind` decides the HTTP status at the API edge; `code` is a stable machine-readable
// slug (e.g. "signature_invalid"); `message` is for humans and names the field or object.
#pragma once

#include <cstdio>
#include <expected>
#include <string>
#include <utility>

namespace stele {

enum class ErrorKind {
  InvalidArgument,      // 400: malformed input
  Unauthenticated,      // 401: no or unknown token
  PermissionDenied,     // 403: token lacks the role or name scope
  NotFound,             // 404
  MethodNotAllowed,     // 405
  Conflict,             // 409: state forbids it (immutable version, in use)
  TooLarge,             // 413
  RangeNotSatisfiable,  // 416: chunk out of order
  HeadersTooLarge,      // 431: the request's header section passes the server's limit
  Unprocessable,        // 422: well-formed but semantically invalid
  TooManyRequests,      // 429: a per-token cap is reached
  Unavailable,          // 503: a dependency (host, disk) is not there now
  Internal,             // 500: a bug or an I/O failure of ours
};

struct Error {
  ErrorKind kind = ErrorKind::Internal;
  std::string code;
  std::string message;
  // For the server log only, never in an API answer or an event: a dependency's own text
  // (libvirt's message may quote files the caller named). Empty for most errors.
  std::string detail = {};
};

// The message that may be shown (API answers, events); the error's detail, if any, goes to
// the server log (stderr) at this moment.
inline const std::string& publicMessage(const Error& error) {
  if (!error.detail.empty()) std::fprintf(stderr, "stele: %s\n", error.detail.c_str());
  return error.message;
}

template <class T>
using Result = std::expected<T, Error>;

// Shorthand for returning an error: `return fail(ErrorKind::NotFound, "key_not_found", "...")`.
inline std::unexpected<Error> fail(ErrorKind kind, std::string code, std::string message) {
  return std::unexpected<Error>(Error{kind, std::move(code), std::move(message)});
}

inline std::unexpected<Error> fail(Error error) { return std::unexpected<Error>(std::move(error)); }

}  // namespace stele
