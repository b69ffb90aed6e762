// bus-call: one call to aalayerd on a given bus, for integration tests that
// run it as other uids. Prints results one per line; on a D-Bus error prints
// "error NAME: MESSAGE" and exits 1.
//   bus-call ADDRESS apply BASE NAME TEXT-FILE [strict|complain|asreply]...
//   bus-call ADDRESS applyfor UID BASE NAME TEXT-FILE
//   bus-call ADDRESS check BASE NAME TEXT-FILE
//   bus-call ADDRESS remove BASE NAME [force]
//   bus-call ADDRESS explain BASE NAME PATH
//   bus-call ADDRESS explain-access BASE NAME PATH
//   bus-call ADDRESS bases | grant-rules
//   bus-call ADDRESS grants | reload | objects | ping
//   bus-call ADDRESS source|findings|state|layer-remove OBJECT-PATH
//   bus-call ADDRESS call-raw METHOD     (Manager1 method with wrong argument types)
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>
#include <unistd.h>

#include "dbus/sdbus_compat.h"

namespace {

using Findings =
    std::vector<sdbus::Struct<std::string, std::uint32_t, std::uint32_t, std::string, std::string>>;
using Reasons = std::vector<sdbus::Struct<std::string, std::string>>;
using Options = std::map<std::string, sdbus::Variant>;
constexpr const char* kManager = "org.aalayer.Manager1";
constexpr const char* kLayer = "org.aalayer.Layer1";

std::string read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void print(const Findings& findings) {
    for (const auto& f : findings) {
        std::cout << "finding " << std::get<3>(f) << ":" << std::get<1>(f) << ":" << std::get<2>(f) << ": "
                  << std::get<0>(f) << ": " << std::get<4>(f) << "\n";
    }
}

int run(const std::vector<std::string>& a) {
    auto connection = sdbus::createSessionBusConnectionWithAddress(a.at(0));
    auto manager = aalayer::sdbus_compat::create_proxy(*connection, kManager, "/org/aalayer/Manager1");
    const std::string& cmd = a.at(1);
    if (cmd == "apply" || cmd == "applyfor") {
        const std::size_t at = cmd == "apply" ? 2 : 3;
        Options options;
        for (std::size_t i = at + 3; i < a.size(); ++i) {
            if (a[i] == "strict") options["strict"] = sdbus::Variant(true);
            if (a[i] == "complain") options["mode"] = sdbus::Variant(std::string("complain"));
            if (a[i] == "bogus") options["bogus"] = sdbus::Variant(true);
            if (a[i] == "asreply") options["refusal_as_reply"] = sdbus::Variant(true);
            if (a[i] == "wrongtype") options["strict"] = sdbus::Variant(std::string("yes"));
            if (a[i] == "manyoptions") {
                for (int k = 0; k < 10000; ++k)
                    options["key" + std::to_string(k)] = sdbus::Variant(k);
            }
        }
        sdbus::ObjectPath path;
        Findings findings;
        if (cmd == "apply") {
            manager->callMethod("Apply")
                .onInterface(kManager)
                .withTimeout(std::chrono::seconds(60))
                .withArguments(a.at(2), a.at(3), read(a.at(4)), options)
                .storeResultsTo(path, findings);
        } else {
            manager->callMethod("ApplyFor")
                .onInterface(kManager)
                .withTimeout(std::chrono::seconds(60))
                .withArguments(static_cast<std::uint32_t>(std::stoul(a.at(2))), a.at(3), a.at(4),
                               read(a.at(5)), options)
                .storeResultsTo(path, findings);
        }
        std::cout << "layer " << path << "\n";
        print(findings);
    } else if (cmd == "check") {
        std::string child;
        Findings findings;
        manager->callMethod("Check")
            .onInterface(kManager)
            .withTimeout(std::chrono::seconds(60))
            .withArguments(a.at(2), a.at(3), read(a.at(4)))
            .storeResultsTo(child, findings);
        std::cout << "child " << child.size() << " bytes\n";
        print(findings);
    } else if (cmd == "remove") {
        Options options;
        if (a.size() > 4 && a[4] == "force") options["force"] = sdbus::Variant(true);
        manager->callMethod("Remove")
            .onInterface(kManager)
            .withTimeout(std::chrono::seconds(60))
            .withArguments(a.at(2), a.at(3), options);
        std::cout << "removed\n";
    } else if (cmd == "explain") {
        std::string perms;
        Reasons reasons;
        manager->callMethod("Explain")
            .onInterface(kManager)
            .withTimeout(std::chrono::seconds(60))
            .withArguments(a.at(2), a.at(3), a.at(4))
            .storeResultsTo(perms, reasons);
        std::cout << "perms " << perms << "\n";
        for (const auto& r : reasons)
            std::cout << "reason " << std::get<0>(r) << " " << std::get<1>(r) << "\n";
    } else if (cmd == "explain-access") {
        std::string owner;
        std::string other;
        Reasons reasons;
        manager->callMethod("ExplainAccess")
            .onInterface(kManager)
            .withTimeout(std::chrono::seconds(60))
            .withArguments(a.at(2), a.at(3), a.at(4))
            .storeResultsTo(owner, other, reasons);
        std::cout << "owner " << owner << "\nother " << other << "\n";
        for (const auto& r : reasons)
            std::cout << "reason " << std::get<0>(r) << " " << std::get<1>(r) << "\n";
    } else if (cmd == "bases") {
        std::vector<sdbus::Struct<std::string, std::string, bool, std::uint32_t>> bases;
        manager->callMethod("ListBases")
            .onInterface(kManager)
            .withTimeout(std::chrono::seconds(60))
            .storeResultsTo(bases);
        for (const auto& b : bases)
            std::cout << "base " << std::get<0>(b) << " attachment=" << std::get<1>(b)
                      << " granted=" << std::get<2>(b) << " layers=" << std::get<3>(b) << "\n";
    } else if (cmd == "grant-rules") {
        std::vector<sdbus::Struct<std::string, std::string, std::string, std::string, std::string,
                                  std::string, std::uint32_t, std::uint32_t>>
            rules;
        manager->callMethod("ListGrantRules")
            .onInterface(kManager)
            .withTimeout(std::chrono::seconds(60))
            .storeResultsTo(rules);
        for (const auto& r : rules)
            std::cout << "rule " << std::get<0>(r) << " " << std::get<1>(r) << " " << std::get<2>(r)
                      << " owner=" << std::get<3>(r) << " perms=" << std::get<4>(r) << " at "
                      << std::get<5>(r) << ":" << std::get<6>(r) << ":" << std::get<7>(r) << "\n";
    } else if (cmd == "diff") {
        std::vector<sdbus::Struct<std::string, std::string, std::string>> rows;
        manager->callMethod("Diff")
            .onInterface(kManager)
            .withTimeout(std::chrono::seconds(60))
            .withArguments(a.at(2), a.at(3), a.at(4))
            .storeResultsTo(rows);
        for (const auto& row : rows)
            std::cout << "diff " << std::get<0>(row) << " " << std::get<1>(row) << " | " << std::get<2>(row)
                      << "\n";
    } else if (cmd == "grants") {
        Reasons grants;
        manager->callMethod("ListGrants")
            .onInterface(kManager)
            .withTimeout(std::chrono::seconds(60))
            .storeResultsTo(grants);
        for (const auto& g : grants)
            std::cout << "grant " << std::get<0>(g) << "\n" << std::get<1>(g);
    } else if (cmd == "reload") {
        manager->callMethod("Reload").onInterface(kManager).withTimeout(std::chrono::seconds(60));
        std::cout << "reloaded\n";
    } else if (cmd == "ping") {
        const auto start = std::chrono::steady_clock::now();
        manager->callMethod("Ping")
            .onInterface("org.freedesktop.DBus.Peer")
            .withTimeout(std::chrono::seconds(30));
        std::cout << "ping "
                  << std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                           start)
                         .count()
                  << "\n";
    } else if (cmd == "objects") {
        auto root = aalayer::sdbus_compat::create_proxy(*connection, kManager, "/org/aalayer");
        std::map<sdbus::ObjectPath, std::map<std::string, std::map<std::string, sdbus::Variant>>> objects;
        root->callMethod("GetManagedObjects")
            .onInterface("org.freedesktop.DBus.ObjectManager")
            .storeResultsTo(objects);
        for (const auto& [path, interfaces] : objects) {
            const auto it = interfaces.find(kLayer);
            if (it == interfaces.end()) continue;
            std::cout << "object " << path << " state=" << it->second.at("State").get<std::string>();
            for (const auto& [property, value] : it->second)
                std::cout << " " << property;
            std::cout << "\n";
        }
    } else if (cmd == "source" || cmd == "findings" || cmd == "state" || cmd == "layer-remove") {
        auto layer = aalayer::sdbus_compat::create_proxy(*connection, kManager, a.at(2));
        if (cmd == "source") {
            std::string text;
            layer->callMethod("GetSource").onInterface(kLayer).storeResultsTo(text);
            std::cout << text;
        } else if (cmd == "layer-remove") {
            layer->callMethod("Remove").onInterface(kLayer);
            std::cout << "removed\n";
        } else if (cmd == "findings") {
            Findings findings;
            layer->callMethod("GetFindings").onInterface(kLayer).storeResultsTo(findings);
            print(findings);
        } else {
            const sdbus::Variant v = layer->getProperty("State").onInterface(kLayer);
            std::cout << "state " << v.get<std::string>() << "\n";
        }
    } else if (cmd == "call-raw") {
        // Apply with (u, s) instead of (s, s, s, a{sv}).
        manager->callMethod(a.at(2).c_str())
            .onInterface(kManager)
            .withTimeout(std::chrono::seconds(60))
            .withArguments(std::uint32_t{7}, std::string("x"));
        std::cout << "accepted\n";
    } else {
        std::cerr << "bus-call: unknown command " << cmd << "\n";
        return 2;
    }
    return 0;
}

}  // namespace

// LeakSanitizer stops the world with ptrace, which a process whose real and
// effective uids differ may not do to itself; its options cannot be set from
// the environment then either. Off for exactly that case.
extern "C" int __lsan_is_turned_off() {
    return ::getuid() != ::geteuid() ? 1 : 0;
}

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    try {
        return run(args);
    } catch (const sdbus::Error& e) {
        std::cout << "error " << e.getName() << ": " << e.getMessage() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cout << "failure " << e.what() << "\n";
        return 3;
    }
}
