// An allocator for large tables that are probed at random, like the cooldown
// table of a shard tracking a million images: with 4 KiB pages nearly every
// probe also misses the TLB, so large blocks are aligned to 2 MiB and offered
// to the kernel for transparent huge pages (Linux, THP mode "madvise").
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace deltascan {

template <class T>
class huge_page_allocator {
public:
  using value_type = T;

  /// Blocks from this size on are 2 MiB aligned and advised as huge.
  static constexpr std::size_t huge_page = 2 * 1024 * 1024;

  huge_page_allocator() = default;

  template <class U>
  huge_page_allocator(const huge_page_allocator<U>&) noexcept {
    // nop
  }

  T* allocate(std::size_t n) {
    auto bytes = n * sizeof(T);
    if (bytes < huge_page)
      return static_cast<T*>(::operator new(bytes));
    auto rounded = (bytes + huge_page - 1) / huge_page * huge_page;
    void* block = std::aligned_alloc(huge_page, rounded);
    if (block == nullptr)
      throw std::bad_alloc{};
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    // Advice only: without THP the block works the same, on small pages.
    ::madvise(block, rounded, MADV_HUGEPAGE);
#endif
    return static_cast<T*>(block);
  }

  void deallocate(T* p, std::size_t n) noexcept {
    if (n * sizeof(T) < huge_page)
      ::operator delete(p);
    else
      std::free(p);
  }

  template <class U>
  friend bool operator==(const huge_page_allocator&,
                         const huge_page_allocator<U>&) noexcept {
    return true;
  }
};

} // namespace deltascan
