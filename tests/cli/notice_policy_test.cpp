// What aalayer notify shows, and when (client/notify/notice_policy.h): the
// policy on its own, with the time given.
#include "client/notify/notice_policy.h"

#include <gtest/gtest.h>

namespace aalayer::notify {
namespace {

using std::chrono::seconds;

const LayerName kWeb{"/org/aalayer/layers/1000/firefox/banking", "firefox", "banking"};
const LayerName kMail{"/org/aalayer/layers/1000/thunderbird/mail", "thunderbird", "mail"};

client::Denial denial(const std::string& path, std::uint64_t count = 1) {
    client::Denial d;
    d.count = count;
    d.operation = "open";
    d.klass = "file";
    d.path = path;
    d.requested = "r";
    d.denied = "r";
    d.owner = "owner";
    d.comm = "firefox";
    d.mode = "enforce";
    d.origin = "layer";
    d.rule = "owner " + path + " r,";
    d.allow = "layer";
    d.note = "your layer would allow it with: owner " + path + " r,";
    return d;
}

const Clock::time_point t0 = Clock::time_point{} + std::chrono::hours(1);

TEST(NoticePolicy, OneDenialIsShownAtOnceWithWhatAndHowToAllowIt) {
    NoticePolicy p({});
    const auto shown = p.add(kWeb, {denial("/home/u/.cache/x")}, t0);
    ASSERT_EQ(shown.size(), 1U);
    EXPECT_EQ(shown[0].summary, "firefox (banking) was denied");
    EXPECT_EQ(shown[0].body,
              "open /home/u/.cache/x: r (owner)\nyour layer would allow it with: owner /home/u/.cache/x r,\n"
              "aalayer log firefox/banking");
    EXPECT_TRUE(shown[0].can_allow);
    EXPECT_FALSE(p.next_due());
}

TEST(NoticePolicy, OnlyTheAdminCanAllowIsSaidAndOffersNoRule) {
    NoticePolicy p({});
    auto d = denial("/etc/shadow");
    d.owner = "other";
    d.rule.clear();
    d.allow = "admin";
    d.note = "outside the grant: only the admin can allow this";
    const auto shown = p.add(kWeb, {d}, t0);
    ASSERT_EQ(shown.size(), 1U);
    EXPECT_FALSE(shown[0].can_allow);
    EXPECT_NE(shown[0].body.find("only the admin can allow this"), std::string::npos) << shown[0].body;
}

TEST(NoticePolicy, TheSameDenialAgainIsQuietForTheSession) {
    NoticePolicy p({.interval = seconds(1)});
    ASSERT_EQ(p.add(kWeb, {denial("/a")}, t0).size(), 1U);
    // Its count grew (seen again), an hour later: still quiet.
    EXPECT_TRUE(p.add(kWeb, {denial("/a", 2)}, t0 + seconds(5)).empty());
    EXPECT_TRUE(p.add(kWeb, {denial("/a", 9)}, t0 + std::chrono::hours(1)).empty());
    EXPECT_FALSE(p.next_due());
    // The same access under another layer is another denial.
    EXPECT_EQ(p.add(kMail, {denial("/a")}, t0 + seconds(6)).size(), 1U);
}

TEST(NoticePolicy, RepeatAfterShowsItAgainOnlyAfterThatLong) {
    NoticePolicy p({.repeat_after = seconds(600), .interval = seconds(1)});
    ASSERT_EQ(p.add(kWeb, {denial("/a")}, t0).size(), 1U);
    EXPECT_TRUE(p.add(kWeb, {denial("/a", 2)}, t0 + seconds(599)).empty());
    EXPECT_EQ(p.add(kWeb, {denial("/a", 3)}, t0 + seconds(600)).size(), 1U);
}

TEST(NoticePolicy, AllRepeatsShowsEveryNewOccurrenceButNotTheSameRecordTwice) {
    NoticePolicy p({.all_repeats = true, .interval = seconds(1)});
    ASSERT_EQ(p.add(kWeb, {denial("/a")}, t0).size(), 1U);
    // The same record by signal and by GetDenials: one occurrence.
    EXPECT_TRUE(p.add(kWeb, {denial("/a")}, t0 + seconds(2)).empty());
    EXPECT_EQ(p.add(kWeb, {denial("/a", 2)}, t0 + seconds(3)).size(), 1U);
}

TEST(NoticePolicy, ABurstIsHeldAndShownAsOneWhenTheIntervalHasPassed) {
    NoticePolicy p({.interval = seconds(10)});
    ASSERT_EQ(p.add(kWeb, {denial("/first")}, t0).size(), 1U);
    std::vector<client::Denial> burst;
    for (int i = 0; i < 37; ++i)
        burst.push_back(denial("/burst/" + std::to_string(i)));
    EXPECT_TRUE(p.add(kWeb, burst, t0 + seconds(1)).empty());
    ASSERT_TRUE(p.next_due());
    EXPECT_EQ(*p.next_due(), t0 + seconds(10));
    EXPECT_TRUE(p.due(t0 + seconds(9)).empty());
    const auto shown = p.due(t0 + seconds(10));
    ASSERT_EQ(shown.size(), 1U);
    EXPECT_EQ(shown[0].summary, "firefox (banking): 37 more denials");
    EXPECT_EQ(shown[0].denials, 37U);
    EXPECT_EQ(shown[0].body,
              "open /burst/0: r (owner)\nopen /burst/1: r (owner)\nopen /burst/2: r (owner)\nand 34 more\n"
              "aalayer log firefox/banking");
    EXPECT_FALSE(p.next_due());
    // The next one within the interval of that notice waits for it.
    EXPECT_TRUE(p.add(kWeb, {denial("/late")}, t0 + seconds(15)).empty());
    const auto late = p.due(t0 + seconds(20));
    ASSERT_EQ(late.size(), 1U);
    EXPECT_EQ(late[0].summary, "firefox (banking) was denied");
}

TEST(NoticePolicy, OneLayersBurstDoesNotDelayAnother) {
    NoticePolicy p({.interval = seconds(10)});
    ASSERT_EQ(p.add(kWeb, {denial("/1"), denial("/2")}, t0).size(), 1U);
    EXPECT_EQ(p.add(kMail, {denial("/1")}, t0 + seconds(1)).size(), 1U);
}

TEST(NoticePolicy, TheBasesOwnAndComplainModeRecordsAreNotShown) {
    NoticePolicy p({});
    auto base = denial("/etc/base-denied");
    base.origin = "base";
    auto complain = denial("/home/u/learned");
    complain.mode = "complain";
    EXPECT_TRUE(p.add(kWeb, {base, complain}, t0).empty());
    EXPECT_EQ(skipped_because(base), "the base profile denied it on its own: the admin's");
    EXPECT_FALSE(skipped_because(denial("/x")));
}

TEST(NoticePolicy, WhatWasThereBeforeIsNotNewsNorIsItsRepeat) {
    NoticePolicy p({});
    p.baseline(kWeb, {denial("/old", 4)});
    EXPECT_TRUE(p.add(kWeb, {denial("/old", 4)}, t0).empty());
    EXPECT_TRUE(p.add(kWeb, {denial("/old", 5)}, t0).empty());
    EXPECT_EQ(p.add(kWeb, {denial("/new")}, t0).size(), 1U);
}

TEST(NoticePolicy, AfterTheServiceRestartedCountsStartAgain) {
    NoticePolicy p({.all_repeats = true, .interval = seconds(1)});
    ASSERT_EQ(p.add(kWeb, {denial("/a", 5)}, t0).size(), 1U);
    p.restarted(kWeb.object_path);
    EXPECT_EQ(p.add(kWeb, {denial("/a", 1)}, t0 + seconds(2)).size(), 1U);
}

TEST(NoticePolicy, AFloodHoldsAFewRecordsAndACount) {
    NoticePolicy p({.all_repeats = true, .interval = seconds(10)});
    ASSERT_EQ(p.add(kWeb, {denial("/a")}, t0).size(), 1U);
    for (std::uint64_t i = 2; i < 100'002; ++i)
        ASSERT_TRUE(p.add(kWeb, {denial("/a", i)}, t0 + seconds(1)).empty());
    const auto shown = p.due(t0 + seconds(10));
    ASSERT_EQ(shown.size(), 1U);
    EXPECT_EQ(shown[0].summary, "firefox (banking): 100000 more denials");
    EXPECT_NE(shown[0].body.find("and 99997 more"), std::string::npos) << shown[0].body;
}

}  // namespace
}  // namespace aalayer::notify
