#include "client/cli/commands.h"

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string_view>

#include <sys/apparmor.h>
#include <unistd.h>

#include "client/cli/exec_argv.h"
#include "client/cli/exit_codes.h"
#include "client/common/json.h"
#include "client/lib/text_file.h"
#include "client/notify/notifier.h"

namespace aalayer::cli {

using tool::JsonWriter;

namespace {

std::string source_name(const std::string& name) {
    return name + ".layer";
}

// The caller's own layer object for BASE/NAME, if the service has it.
std::optional<client::Layer> own_layer(client::Client& c, const LayerRef& layer) {
    // The service knows callers by the uid the bus authenticated: the effective one.
    const auto uid = static_cast<std::uint32_t>(::geteuid());
    for (auto& l : c.layers())
        if (l.owner == uid && l.base == layer.base && l.name == layer.name) return l;
    return std::nullopt;
}

// The fields of a layer, in an object `w` has open.
void write_layer_fields(JsonWriter& w, const client::Layer& l) {
    w.key("layer").string(l.base + "/" + l.name).key("base").string(l.base).key("name").string(l.name);
    w.key("owner").number(l.owner).key("kernel_name").string(l.kernel_name).key("state").string(l.state);
    w.key("mode").string(l.mode).key("origin").string(l.origin).key("updated_at").number(l.updated_at);
    w.key("object_path").string(l.object_path);
}

std::string origin_words(const std::string& origin) {
    if (origin == "admin") return "admin (the admin's default layer)";
    if (origin == "replaced") return "replaced (your version of the admin's default; reset puts it back)";
    return origin;
}

void print_json(const Output& o, const JsonWriter& w) {
    std::fprintf(o.out, "%s\n", w.text().c_str());
}

}  // namespace

int cmd_grants(client::Client& c, const Args& /*a*/, const Output& o) {
    const auto grants = c.grants();
    if (o.json()) {
        JsonWriter w;
        w.begin_array();
        for (const auto& [base, rules] : grants)
            w.begin_object().key("base").string(base).key("rules").string(rules).end_object();
        print_json(o, w.end_array());
        return kOk;
    }
    if (grants.empty())
        std::fprintf(o.out, "No base profile has a grant for you: you cannot layer on any.\n");
    for (const auto& [base, rules] : grants) {
        std::fprintf(o.out, "%s\n", o.bold(base).c_str());
        std::istringstream in(rules);
        for (std::string line; std::getline(in, line);)
            std::fprintf(o.out, "  %s\n", line.c_str());
    }
    return kOk;
}

int cmd_check(client::Client& c, const Args& a, const Output& o) {
    const std::string& file = a.file;
    const auto text = client::read_text(file);
    if (!text) {
        o.error("cannot read " + file);
        return kUsage;
    }
    const auto [child, findings] = c.check(a.layer.base, a.layer.name, *text);
    const bool errors = has_errors(findings);
    if (o.json()) {
        JsonWriter w;
        w.begin_object().key("valid").boolean(!errors).key("findings");
        write_findings(w, findings, source_name(a.layer.name), file);
        print_json(o, w.key("child_profile").string(child).end_object());
    } else {
        o.findings(findings, source_name(a.layer.name), file, o.out);
        if (a.print_profile) std::fprintf(o.out, "%s", child.c_str());
        if (!errors && findings.empty()) std::fprintf(o.out, "%s: no findings\n", file.c_str());
    }
    return errors ? kLayerErrors : kOk;
}

namespace {

// apply's answer: the object path, or null when the layer was refused for errors.
void print_applied(const Output& o, const Args& a, const std::string* path,
                   const std::vector<client::Finding>& findings) {
    JsonWriter w;
    w.begin_object().key("layer").string(a.layer.text()).key("object_path");
    if (path != nullptr) {
        w.string(*path);
    } else {
        w.null();
    }
    w.key("findings");
    write_findings(w, findings, source_name(a.layer.name), a.file);
    print_json(o, w.end_object());
}

}  // namespace

int cmd_apply(client::Client& c, const Args& a, const Output& o) {
    const auto read = client::read_text(a.file);
    if (!read) {
        o.error("cannot read " + a.file);
        return kUsage;
    }
    const std::string& text = *read;
    const std::string source = source_name(a.layer.name);
    try {
        const auto [path, findings] =
            c.apply(a.layer.base, a.layer.name, text,
                    {a.strict, a.complain ? std::optional(true) : std::nullopt, a.interactive});
        if (o.json()) {
            print_applied(o, a, &path, findings);
        } else {
            o.findings(findings, source, a.file, o.err);
            std::fprintf(o.out, "applied %s\n", a.layer.text().c_str());
        }
        return kOk;
    } catch (const client::CallError& e) {
        if (e.short_name() != "InvalidLayer") throw;
        const auto& findings = e.findings();
        if (o.json()) {
            print_applied(o, a, nullptr, findings);
        } else {
            o.findings(findings, source, a.file, o.err);
            o.error("not applied: the layer has errors");
        }
        return kLayerErrors;
    }
}

int cmd_list(client::Client& c, const Args& a, const Output& o) {
    const auto uid = static_cast<std::uint32_t>(::geteuid());
    std::vector<client::Layer> shown;
    for (auto& l : c.layers())
        if (a.all || l.owner == uid) shown.push_back(l);
    if (o.json()) {
        JsonWriter w;
        w.begin_array();
        for (const auto& l : shown) {
            w.begin_object();
            write_layer_fields(w, l);
            w.end_object();
        }
        print_json(o, w.end_array());
        return kOk;
    }
    std::fprintf(o.out, "%s", layer_table(shown, a.all, user_name).c_str());
    return kOk;
}

int cmd_show(client::Client& c, const Args& a, const Output& o) {
    const auto layer = own_layer(c, a.layer);
    if (!layer) {
        o.error("you have no layer " + a.layer.text());
        return kNotFound;
    }
    const std::string text = c.source(layer->object_path);
    const auto findings = c.findings(layer->object_path);
    const std::string source = source_name(a.layer.name);
    if (o.json()) {
        JsonWriter w;
        w.begin_object();
        write_layer_fields(w, *layer);
        write_findings(w.key("findings"), findings, source, "");
        print_json(o, w.key("source").string(text).end_object());
        return kOk;
    }
    std::fprintf(o.out, "%s\n  state: %s\n  mode: %s\n  origin: %s\n  kernel name: %s\n",
                 a.layer.text().c_str(), layer->state.c_str(), layer->mode.c_str(),
                 origin_words(layer->origin).c_str(), layer->kernel_name.c_str());
    if (!findings.empty()) std::fprintf(o.out, "findings:\n");
    o.findings(findings, source, "", o.out);
    std::fprintf(o.out, "source:\n%s%s", text.c_str(), text.empty() || text.back() == '\n' ? "" : "\n");
    return kOk;
}

int cmd_explain(client::Client& c, const Args& a, const Output& o) {
    std::vector<tool::ExplainedPath> all;
    for (const std::string& path : a.paths) {
        const auto e = c.explain(a.layer.base, a.layer.name, path);
        if (o.json()) {
            all.push_back(explained(path, e));
            continue;
        }
        std::fprintf(o.out, "%s: %s\n", o.bold(path).c_str(), e.perms.c_str());
        for (const auto& r : e.reasons)
            std::fprintf(o.out, "  %s %s\n", r.source.c_str(), r.rule.c_str());
    }
    if (o.json()) std::fprintf(o.out, "%s\n", tool::explanations_json(all).c_str());
    return kOk;
}

int cmd_diff(client::Client& c, const Args& a, const Output& o) {
    if (!a.with_base && a.layer.base != a.other.base) {
        o.error("diff compares two layers on the same base");
        return kUsage;
    }
    const auto diffs = a.with_base ? c.diff_with_base(a.layer.base, a.layer.name)
                                   : c.diff(a.layer.base, a.layer.name, a.other.name);
    if (o.json()) {
        JsonWriter w;
        w.begin_array();
        for (const auto& d : diffs) {
            w.begin_object().key("example").string(d.example);
            w.key("a").string(d.perms_a).key("b").string(d.perms_b).end_object();
        }
        print_json(o, w.end_array());
        return kOk;
    }
    if (diffs.empty())
        std::fprintf(o.out, a.with_base ? "the layer takes nothing away from the base\n"
                                        : "the two layers allow the same\n");
    else if (a.with_base)
        std::fprintf(o.out, "PATH: the base alone | with the layer\n");
    for (const auto& d : diffs)
        std::fprintf(o.out, "%s: %s | %s\n", d.example.c_str(), d.perms_a.c_str(), d.perms_b.c_str());
    return kOk;
}

int cmd_remove(client::Client& c, const Args& a, const Output& o) {
    c.remove(a.layer.base, a.layer.name, a.force, a.interactive);
    std::fprintf(o.out, "%s\n", removed_text(a.layer.text(), o.json()).c_str());
    return kOk;
}

int cmd_edit(client::Client& c, const Args& a, const Output& o) {
    const auto layer = own_layer(c, a.layer);
    if (!layer) {
        o.error("you have no layer " + a.layer.text() + " (create it with apply)");
        return kNotFound;
    }
    const std::string original = c.source(layer->object_path);
    const char* cache = std::getenv("XDG_CACHE_HOME");
    const char* home = std::getenv("HOME");
    std::string dir = cache != nullptr  ? std::string(cache) + "/aalayer"
                      : home != nullptr ? std::string(home) + "/.cache/aalayer"
                                        : std::string("/tmp");
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) dir = "/tmp";
    std::string path = dir + "/" + a.layer.name + "-XXXXXX.layer";
    const int fd = ::mkstemps(path.data(), 6);
    if (fd < 0) {
        o.error("cannot create a file to edit in " + dir);
        return kInternal;
    }
    ::close(fd);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << original;
    const char* editor = std::getenv("VISUAL") != nullptr ? std::getenv("VISUAL") : std::getenv("EDITOR");
    const std::string command = std::string(editor != nullptr ? editor : "vi") + " '" + path + "'";
    if (std::system(command.c_str()) != 0) {
        o.error("the editor failed; your text is in " + path);
        return kInternal;
    }
    const std::string edited = client::read_text(path).value_or("");
    if (edited == original) {
        std::fprintf(o.out, "no changes\n");
        std::filesystem::remove(path, ec);
        return kOk;
    }
    const auto [child, findings] = c.check(a.layer.base, a.layer.name, edited);
    o.findings(findings, source_name(a.layer.name), path, o.err);
    if (has_errors(findings)) {
        o.error("not applied: the layer has errors; your edit is kept in " + path);
        return kLayerErrors;
    }
    try {
        c.apply(a.layer.base, a.layer.name, edited, {a.strict, layer->mode == "complain", a.interactive});
    } catch (const client::CallError&) {
        o.error("your edit is kept in " + path);
        throw;
    }
    std::filesystem::remove(path, ec);
    std::fprintf(o.out, "applied %s\n", a.layer.text().c_str());
    return kOk;
}

int cmd_run(client::Client& c, const Args& a, const Output& o) {
    if (a.one_run) return cmd_run_once(c, a, o);
    // The layer first: a name mistyped is the likelier mistake, and its answer does not
    // depend on the kernel.
    const auto layer = own_layer(c, a.layer);
    if (!layer) {
        o.error("no layer " + a.layer.text() + ": see aalayer list");
        return kNotFound;
    }
    if (::aa_is_enabled() == 0) {
        o.error("AppArmor is not enabled in this kernel: refusing to run unconfined");
        return kRefused;
    }
    // In review the kernel holds the layer to what was accepted: that child is loaded.
    if (layer->state != "active" && layer->state != "review") {
        o.error("the layer is " + layer->state + ", not loaded in the kernel: refusing to run");
        return kRefused;
    }
    const std::string label = a.layer.base + "//&" + layer->kernel_name;
    if (::aa_change_onexec(label.c_str()) != 0) {
        o.error("cannot switch to " + label + ": " + std::strerror(errno));
        return kRefused;
    }
    const ExecArgv command(a.after_dashes);
    ::execvp(command.program(), command.argv());
    o.error("cannot run " + a.after_dashes.front() + ": " + std::strerror(errno));
    return kRefused;
}

}  // namespace aalayer::cli

namespace aalayer::cli {

int cmd_reset(client::Client& c, const Args& a, const Output& o) {
    c.reset(a.layer.base, a.layer.name, a.interactive);
    if (!o.json()) std::fprintf(o.out, "%s: the admin's default again\n", a.layer.text().c_str());
    return kOk;
}

int cmd_reload(client::Client& c, const Args& /*a*/, const Output& o) {
    try {
        c.reload();
    } catch (const client::CallError& e) {
        // Reload takes no options, so --interactive (what the generic message
        // suggests) cannot help: root needs no password.
        constexpr std::string_view kAsked = "authentication is required";
        const std::string said(e.what());
        const auto at = said.find(kAsked);
        if (exit_code_for(e.name()) != kNotPermitted || at == std::string::npos) throw;
        o.error(said.substr(0, at + kAsked.size()) + ": run it as root (sudo aalayer reload)");
        return kNotPermitted;
    }
    std::fprintf(o.out, "grants, default layers and base profiles read again; layers recomputed\n");
    return kOk;
}

int cmd_accept(client::Client& c, const Args& a, const Output& o) {
    const auto layer = own_layer(c, a.layer);
    if (!layer) {
        o.error("you have no layer " + a.layer.text());
        return kNotFound;
    }
    c.accept(layer->object_path, a.interactive);
    if (!o.json()) std::fprintf(o.out, "%s: accepted\n", a.layer.text().c_str());
    return kOk;
}

int cmd_mode(client::Client& c, const Args& a, const Output& o) {
    const auto layer = own_layer(c, a.layer);
    if (!layer) {
        o.error("you have no layer " + a.layer.text());
        return kNotFound;
    }
    c.set_mode(layer->object_path, a.mode);
    if (!o.json()) std::fprintf(o.out, "%s: %s\n", a.layer.text().c_str(), a.mode.c_str());
    return kOk;
}

namespace {

std::string local_time(std::uint64_t usec) {
    const auto t = static_cast<std::time_t>(usec / 1'000'000U);
    std::tm tm{};
    if (::localtime_r(&t, &tm) == nullptr) return std::to_string(t);
    std::array<char, 32> buf{};
    std::strftime(buf.data(), buf.size(), "%Y-%m-%d %H:%M:%S", &tm);
    return buf.data();
}

void write_denial(JsonWriter& w, const client::Denial& d) {
    w.begin_object();
    w.key("last").number(d.last).key("first").number(d.first).key("count").number(d.count);
    w.key("verdict").string(d.mode == "complain" ? "ALLOWED" : "DENIED").key("mode").string(d.mode);
    w.key("operation").string(d.operation).key("class").string(d.klass).key("path").string(d.path);
    w.key("peer").string(d.peer).key("detail").string(d.detail);
    w.key("requested").string(d.requested).key("denied").string(d.denied).key("owner").string(d.owner);
    w.key("fsuid");
    d.fsuid == UINT32_MAX ? w.null() : w.number(d.fsuid);
    w.key("ouid");
    d.ouid == UINT32_MAX ? w.null() : w.number(d.ouid);
    w.key("pid").number(d.pid).key("comm").string(d.comm).key("origin").string(d.origin);
    w.key("rule").string(d.rule).key("allow").string(d.allow).key("note").string(d.note);
    w.key("info").string(d.info).end_object();
}

// TIME DENIED|ALLOWED OPERATION WHAT PERMS [owner|other] COMM[PID] [xN], then what would allow it.
void print_denial(const Output& o, const client::Denial& d) {
    std::string what = !d.path.empty() ? d.path : !d.peer.empty() ? "peer " + d.peer : d.detail;
    if (!d.path.empty() && !d.peer.empty()) what += " peer " + d.peer;
    std::string line = local_time(d.last) + "  " + (d.mode == "complain" ? "ALLOWED" : "DENIED") + "  " +
                       d.operation + "  " + o.bold(what) + "  " + (d.denied.empty() ? d.requested : d.denied);
    if (!d.owner.empty()) line += " (" + d.owner + ")";
    line += "  " + d.comm + "[" + std::to_string(d.pid) + "]";
    if (d.count > 1) line += "  x" + std::to_string(d.count);
    if (d.origin == "base") line += "  by the base profile";
    std::fprintf(o.out, "%s\n", line.c_str());
    if (!d.note.empty()) std::fprintf(o.out, "  %s\n", d.note.c_str());
    if (!d.info.empty()) std::fprintf(o.out, "  kernel: %s\n", d.info.c_str());
}

}  // namespace

int cmd_log(client::Client& c, const Args& a, const Output& o) {
    const auto layer = own_layer(c, a.layer);
    if (!layer) {
        o.error("you have no layer " + a.layer.text());
        return kNotFound;
    }
    std::mutex printing;
    // Subscribed before the first read, so nothing falls between the two,
    // and a record may come both ways: each is printed again only when seen again.
    std::map<std::string, std::uint64_t> printed;  // record -> its count when printed
    const auto fresh = [&printed](const client::Denial& d) {
        std::string key;
        for (const auto* part : {&d.operation, &d.path, &d.peer, &d.detail, &d.requested, &d.denied, &d.mode,
                                 &d.origin, &d.owner})
            key += *part + '\0';
        auto& count = printed[key];
        if (d.count <= count) return false;
        count = d.count;
        return true;
    };
    if (a.follow) {
        c.follow_denials(layer->object_path,
                         [&o, &printing, &fresh](const std::vector<client::Denial>& batch) {
                             const std::lock_guard lock(printing);
                             for (const auto& d : batch) {
                                 if (!fresh(d)) continue;
                                 if (o.json()) {
                                     JsonWriter w;
                                     write_denial(w, d);
                                     std::fprintf(o.out, "%s\n", w.text().c_str());
                                 } else {
                                     print_denial(o, d);
                                 }
                             }
                             std::fflush(o.out);
                         });
    }
    const auto [records, dropped] = c.denials(layer->object_path, a.since.value_or(0));
    {
        const std::lock_guard lock(printing);
        if (o.json() && !a.follow) {
            JsonWriter w;
            w.begin_array();
            for (const auto& d : records)
                write_denial(w, d);
            print_json(o, w.end_array());
        } else if (o.json()) {
            for (const auto& d : records) {
                if (!fresh(d)) continue;
                JsonWriter w;
                write_denial(w, d);
                std::fprintf(o.out, "%s\n", w.text().c_str());
            }
        } else {
            if (records.empty() && !a.follow) {
                const std::string source = c.denial_source();
                if (source == "none") {
                    std::fprintf(o.out, "aalayerd collects no denials on this system (denial_source none)\n");
                } else {
                    std::fprintf(o.out, "nothing denied under %s%s (aalayerd reads %s)\n",
                                 a.layer.text().c_str(), a.since ? " in that time" : "", source.c_str());
                }
            }
            for (const auto& d : records)
                if (fresh(d)) print_denial(o, d);
            if (dropped > 0)
                std::fprintf(o.out, "(%llu older records were dropped: the layer's log is full)\n",
                             static_cast<unsigned long long>(dropped));
        }
        std::fflush(o.out);
    }
    if (!a.follow) return kOk;
    if (!o.json()) {
        std::fprintf(o.err, "following %s (aalayerd reads %s); Ctrl-C ends\n", a.layer.text().c_str(),
                     c.denial_source().c_str());
        std::fflush(o.err);
    }
    // Until a signal ends the program (Ctrl-C): records arrive on the library's thread.
    while (true)
        ::pause();
}

int cmd_notify(client::Client& c, const Args& a, const Output& o) {
    notify::Options options;
    options.settings.all_repeats = a.all_repeats;
    options.settings.repeat_after = std::chrono::minutes(a.repeat_after_minutes);
    options.settings.interval = std::chrono::seconds(a.interval_seconds);
    options.terminal = a.terminal;
    // The actions run this very program, wherever it is installed.
    std::error_code error;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
    options.aalayer = error ? "aalayer" : self.string();
    return notify::run_notifier(c, options, o.err);
}

}  // namespace aalayer::cli
