// A settings panel's first steps with libaalayer-client (docs/dbus-api.md,
// "The client library"): the bases the user may layer on, the user's layers,
// and a check of a layer text, as a panel would check while its user types.
//   c++ -std=c++20 panel.cpp $(pkg-config --cflags --libs aalayer-client)
//   ./a.out                                  # bases and layers
//   ./a.out firefox 'owner @{HOME}/Downloads/** rw,'   # and a check
#include <cstdio>

#include <aalayer/client.h>
#include <unistd.h>

int main(int argc, char** argv) {
    using namespace aalayer::client;
    try {
        const auto client = Client::connect();  // the system bus
        for (const Base& b : client->bases())
            if (b.granted)
                std::printf("base %s attaches to %s, %u layers\n", b.name.c_str(), b.attachment.c_str(),
                            b.layers);
        for (const Layer& l : client->layers())
            if (l.owner == ::getuid())
                std::printf("layer %s/%s %s %s\n", l.base.c_str(), l.name.c_str(), l.state.c_str(),
                            l.mode.c_str());
        if (argc == 3) {
            const auto [child, findings] = client->check(argv[1], "draft", std::string(argv[2]) + "\n");
            for (const Finding& f : findings)
                std::printf("%s:%u:%u: %s: %s\n", f.file.c_str(), f.line, f.column, f.severity.c_str(),
                            f.message.c_str());
            std::printf("%s\n", child.empty() ? "the text has errors" : "the text checks");
        }
    } catch (const CallError& e) {
        std::fprintf(stderr, "%s: %s\n", e.name().c_str(), e.what());
        return 1;
    }
    return 0;
}
