// The one error type that crosses module boundaries.
//
// Public functions return Result<T>: a value, or an Error naming what was wrong.
// `kind` decides the HTTP status at the API edge; `code` is a stable machine-readable
// slug (e.g. "signature_invalid"); `message` is for humans and names the field or object.
#pragma once

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
  Unavailable,          // 503: a dependency (host, disk) is not there now
  Internal,             // 500: a bug or an I/O failure of ours
};

struct Error {
  ErrorKind kind = ErrorKind::Internal;
  std::string code;
  std::string message;
};

template <class T>
using Result = std::expected<T, Error>;

// Shorthand for returning an error: `return fail(ErrorKind::NotFound, "key_not_found", "...")`.
inline std::unexpected<Error> fail(ErrorKind kind, std::string code, std::string message) {
  return std::unexpected<Error>(Error{kind, std::move(code), std::move(message)});
}

inline std::unexpected<Error> fail(Error error) { return std::unexpected<Error>(std::move(error)); }

}  // namespace stele
