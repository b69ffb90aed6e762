// docs/dbus-api.md against the XML it documents: every interface, method,
// argument and property of dbus/*.xml appears on the page in backticks.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/support/process.h"

namespace aalayer::test {
namespace {

std::string read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The values of name="..." on elements of `tag`.
std::vector<std::string> names(const std::string& xml, const std::string& tag) {
    std::vector<std::string> out;
    const std::string open = "<" + tag + " name=\"";
    for (auto at = xml.find(open); at != std::string::npos; at = xml.find(open, at + 1)) {
        const auto start = at + open.size();
        out.push_back(xml.substr(start, xml.find('"', start) - start));
    }
    return out;
}

TEST(DbusApiDoc, EveryElementOfTheXmlIsDocumented) {
    const std::string root = env_or("AALAYER_SOURCE_ROOT", ".");
    const std::string doc = read(root + "/docs/dbus-api.md");
    ASSERT_FALSE(doc.empty());
    for (const char* file : {"org.aalayer.Manager1.xml", "org.aalayer.Layer1.xml"}) {
        const std::string xml = read(root + "/dbus/" + file);
        ASSERT_FALSE(xml.empty()) << file;
        for (const char* tag : {"interface", "method", "property", "signal", "arg"}) {
            for (const auto& name : names(xml, tag)) {
                const bool documented = doc.find("`" + name + "`") != std::string::npos ||
                                        doc.find(" " + name + ",") != std::string::npos ||
                                        doc.find(" " + name + "`") != std::string::npos ||
                                        doc.find(" " + name + " ") != std::string::npos;
                EXPECT_TRUE(documented)
                    << tag << " '" << name << "' of " << file << " is not in docs/dbus-api.md";
            }
        }
    }
}

}  // namespace
}  // namespace aalayer::test
