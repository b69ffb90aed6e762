// loader-probe: the service's apparmor backend (service/kernel/parser_loader)
// run inside the qemu guest, so the code aalayerd uses to load, replace and
// remove children and to find processes under them meets the real kernel.
//   loader-probe load NAME FILE | unload NAME | inuse NAME | loaded NAME
// Prints "ok", "inuse yes|no" or "error KIND message"; exit 0 ok, 1 error.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "service/kernel/parser_loader.h"

int main(int argc, char** argv) {
    using namespace aalayer::service;
    if (argc < 3) {
        std::fprintf(stderr, "usage: loader-probe load NAME FILE | unload NAME | inuse NAME | loaded NAME\n");
        return 2;
    }
    const std::string op = argv[1];
    const std::string name = argv[2];
    ParserConfig config;
    config.cache_dir = "/tmp/aalayer-cache";
    config.features.clear();  // the running kernel's
    ParserLoader loader(Backend::AppArmor, config);
    ServiceStatus st = Done{};
    if (op == "load" && argc == 4) {
        std::ifstream in(argv[3]);
        std::stringstream text;
        text << in.rdbuf();
        st = loader.load(name, text.str());
    } else if (op == "unload") {
        st = loader.unload(name);
    } else if (op == "inuse") {
        std::printf("inuse %s\n", loader.in_use(name) ? "yes" : "no");
        return 0;
    } else if (op == "loaded") {
        const auto loaded = loader.loaded_profiles();
        std::printf("loaded %s\n", !loaded || loaded->contains(name) ? "yes" : "no");
        return 0;
    } else {
        std::fprintf(stderr, "loader-probe: unknown operation\n");
        return 2;
    }
    if (!st) {
        std::printf("error %s %s\n", error_name(st.error().kind), st.error().message.c_str());
        return 1;
    }
    std::printf("ok\n");
    return 0;
}
