// valueOf(r): the value held by a Result, std::expected, std::optional or pointer that a test
// expects to be there. An empty one throws with its error message (the test then fails,
// naming it) instead of being dereferenced, which would be undefined behaviour.
// Header-only and free of project types, so the appliance tests use it too.
#pragma once

#include <stdexcept>
#include <string>
#include <type_traits>

namespace stele::testing {

namespace detail {

template <class R>
std::string emptyReason(const R& r) {
  if constexpr (requires { r.error().message; }) {
    return std::string(r.error().message);
  } else if constexpr (requires { std::string(r.error()); }) {
    return std::string(r.error());
  } else {
    return "no value";
  }
}

}  // namespace detail

template <class R>
decltype(auto) valueOf(R&& r) {
  if constexpr (std::is_pointer_v<std::remove_cvref_t<R>>) {
    if (r == nullptr) throw std::runtime_error("valueOf: null pointer");
    return *r;
  } else {
    if (!r) throw std::runtime_error("valueOf: " + detail::emptyReason(r));
    return *std::forward<R>(r);
  }
}

}  // namespace stele::testing
