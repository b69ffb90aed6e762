// Feature sets in both forms the system has them (securityfs's tree, the
// parser's flattened files) and what the service concludes from them.
#include "service/kernel/features.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "tests/support/process.h"

namespace aalayer::service {
namespace {

// The shape of apparmor_parser 4.1's abi/4.0, cut down.
constexpr const char* kAbi40 =
    "caps {mask {chown dac_override\n}\n}\n"
    "ipc {posix_mqueue {create read write open delete setattr getattr\n}\n}\n"
    "namespaces {mask {userns_create\n}\npivot_root {no\n}\nprofile {yes\n}\n}\n"
    "network {af_unix {yes\n}\n}\n";
// abi/3.0 has neither.
constexpr const char* kAbi30 = "caps {mask {chown dac_override\n}\n}\nnamespaces {pivot_root {no\n}\n}\n";

TEST(FlatFeature, FindsWordsGroupsAndAbsence) {
    EXPECT_EQ(flat_feature(kAbi40, {"namespaces", "mask"}), (std::vector<std::string>{"userns_create"}));
    EXPECT_EQ(flat_feature(kAbi40, {"ipc", "posix_mqueue"})->size(), 7U);
    EXPECT_EQ(flat_feature(kAbi40, {"namespaces", "pivot_root"}), (std::vector<std::string>{"no"}));
    // A group's own words are its values; its subgroups are not.
    EXPECT_EQ(flat_feature(kAbi40, {"network"}), (std::vector<std::string>{}));
    EXPECT_FALSE(flat_feature(kAbi30, {"namespaces", "mask"}));
    EXPECT_FALSE(flat_feature(kAbi40, {"mask"}));  // only at its place in the tree
    EXPECT_FALSE(flat_feature("", {"namespaces"}));
    EXPECT_FALSE(flat_feature("}}} {{ namespaces", {"namespaces"}));  // unbalanced: no crash, nothing
}

// The kernel's tree, as securityfs has it.
std::string kernel_tree(test::TempDir& dir, bool userns, bool mqueue) {
    const std::string root = dir.path() + "/features";
    std::filesystem::create_directories(root + "/namespaces");
    std::filesystem::create_directories(root + "/ipc");
    dir.write("features/namespaces/pivot_root", "no\n");
    if (userns) dir.write("features/namespaces/mask", "userns_create\n");
    if (mqueue) dir.write("features/ipc/posix_mqueue", "create read write open delete setattr getattr\n");
    return root;
}

TEST(ReadFeature, ReadsTheKernelsTreeAndFlatFiles) {
    test::TempDir dir;
    const std::string tree = kernel_tree(dir, true, false);
    EXPECT_EQ(read_feature(tree, {"namespaces", "mask"}), (std::vector<std::string>{"userns_create"}));
    EXPECT_EQ(read_feature(tree, {"namespaces"}), (std::vector<std::string>{}));
    EXPECT_FALSE(read_feature(tree, {"ipc", "posix_mqueue"}));
    const std::string flat = dir.write("abi-4.0", kAbi40);
    EXPECT_EQ(read_feature(flat, {"namespaces", "mask"}), (std::vector<std::string>{"userns_create"}));
    EXPECT_FALSE(read_feature(dir.path() + "/missing", {"namespaces", "mask"}));
}

TEST(DetectSystemAbi, AClassNeedsTheParsersAbiAndTheFeatures) {
    test::TempDir dir;
    const std::string abi40 = dir.write("abi-4.0", kAbi40);
    const std::string abi30 = dir.write("abi-3.0", kAbi30);
    // Debian 13: parser 4.1, kernel 6.12 with userns mediation and no mqueue.
    const policy::SystemAbi trixie = detect_system_abi(abi40, kernel_tree(dir, true, false));
    EXPECT_TRUE(trixie.userns);
    EXPECT_FALSE(trixie.mqueue);
    EXPECT_TRUE(trixie.abi4());
    // Debian 12: no abi/4.0 for the parser; whatever the kernel has, children stay abi 3.0.
    EXPECT_FALSE(detect_system_abi(dir.path() + "/no-abi-4.0", kernel_tree(dir, true, true)).abi4());
    // Compile-only against abi 3.0, and a kernel without the features.
    EXPECT_FALSE(detect_system_abi(abi40, abi30).abi4());
    test::TempDir bare;
    EXPECT_FALSE(detect_system_abi(abi40, kernel_tree(bare, false, false)).abi4());
    // Compile-only against abi 4.0: both.
    const policy::SystemAbi both = detect_system_abi(abi40, abi40);
    EXPECT_TRUE(both.userns && both.mqueue);
}

}  // namespace
}  // namespace aalayer::service
