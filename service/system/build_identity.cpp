#include "service/system/build_identity.h"

#include <cstring>

#include <elf.h>
#include <link.h>

#include "policy/common/hash.h"
#include "service/store/whole_file.h"

namespace aalayer::service {

namespace {

struct Found {
    std::string id;
};

std::string hex(const unsigned char* p, std::size_t n) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        out += kDigits[p[i] >> 4U];
        out += kDigits[p[i] & 0xfU];
    }
    return out;
}

// The first object dl_iterate_phdr reports is the executable.
int from_main_program(dl_phdr_info* info, std::size_t /*size*/, void* data) {
    auto* found = static_cast<Found*>(data);
    for (ElfW(Half) i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr)& ph = info->dlpi_phdr[i];
        if (ph.p_type != PT_NOTE) continue;
        // dl_iterate_phdr gives the load address as an integer.
        const auto* p = reinterpret_cast<const unsigned char*>(  // NOLINT(performance-no-int-to-ptr)
            info->dlpi_addr + ph.p_vaddr);
        const unsigned char* end = p + ph.p_memsz;
        while (p + sizeof(ElfW(Nhdr)) <= end) {
            ElfW(Nhdr) note{};
            std::memcpy(&note, p, sizeof note);
            const unsigned char* name = p + sizeof note;
            const unsigned char* desc = name + ((note.n_namesz + 3U) & ~3U);
            const unsigned char* next = desc + ((note.n_descsz + 3U) & ~3U);
            if (next > end) break;
            if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0) {
                found->id = hex(desc, note.n_descsz);
                return 1;
            }
            p = next;
        }
    }
    return 1;
}

}  // namespace

std::string build_identity() {
    Found found;
    dl_iterate_phdr(from_main_program, &found);
    if (!found.id.empty()) return "gnu-build-id-" + found.id;
    const std::string bytes = read_whole_file("/proc/self/exe").value_or(std::string());
    return "executable-" + policy::hex64(policy::fnv1a_bytes(bytes));
}

}  // namespace aalayer::service
