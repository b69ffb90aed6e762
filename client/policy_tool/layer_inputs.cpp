#include "client/policy_tool/layer_inputs.h"

#include <filesystem>

#include "policy/source/filesystem_reader.h"

namespace aalayer::tool {

using namespace aalayer::policy;

namespace {

std::string stem(const std::string& path) {
    std::string s = std::filesystem::path(path).stem().string();
    return s.empty() ? std::string("layer") : s;
}

}  // namespace

std::optional<std::vector<Composed>> compose_all(const LayerInputs& in, std::string& error) {
    const FilesystemReader reader;
    LoadOptions load;
    load.include_dirs = in.include_dirs;
    const Loader system(reader, load);
    if (auto st = validate_identity(in.user); !st) {
        error = st.error().format();
        return std::nullopt;
    }
    auto tunables = load_tunables(system);
    if (!tunables) {
        error = tunables.error().format();
        return std::nullopt;
    }
    LoadOptions user_load = load;
    user_load.predefined = user_variables(std::move(*tunables), in.user);
    const LoadOptions grant_load = grant_load_options(user_load);
    const Loader grant_loader(reader, grant_load);
    const Loader layer_loader(reader, user_load);

    auto grant_policy = grant_loader.load_file(in.grant_file);
    if (!grant_policy) {
        error = grant_policy.error().format();
        return std::nullopt;
    }
    auto grants = read_grants(*grant_policy);
    if (!grants) {
        error = grants.error().format();
        return std::nullopt;
    }
    std::string profile = in.profile;
    if (profile.empty() && grants->size() == 1) profile = grants->front().base;
    // aalayer-policy composes once and exits: the base is not kept.
    auto base = compile_base(system, in.base_file, profile, in.options.limits, BaseUse::once);
    if (!base) {
        error = base.error().format();
        if (in.profile.empty() && !profile.empty()) {
            error += "\n" + to_string(Location{in.grant_file, 0, 0}) +
                     ": note: the only grant in this file is for '" + profile +
                     "'; no grant here for the base file's profile: users cannot layer on it";
        }
        return std::nullopt;
    }
    std::optional<Grant> chosen;
    for (auto& g : *grants)
        if (g.base == base->name) chosen = std::move(g);
    if (!chosen) {
        error = to_string(Location{in.grant_file, 0, 0}) + ": error: no grant for base '" + base->name +
                "' in this file: users cannot layer on it";
        return std::nullopt;
    }
    auto grant = compile_grant(std::move(*chosen), in.options.limits);
    if (!grant) {
        error = grant.error().format();
        return std::nullopt;
    }
    auto shared_base = std::make_shared<const BasePolicy>(std::move(*base));
    auto shared_grant = std::make_shared<const CompiledGrant>(std::move(*grant));
    std::vector<Composed> out;
    for (const auto& file : in.layer_files) {
        auto text = reader.read(file, 1U << 20U);
        if (!text) {
            error = text.error().format();
            return std::nullopt;
        }
        const LayerRules rules = read_layer(layer_loader, *text, file, in.layer_limits);
        const LayerId id{in.user.uid, in.name.empty() ? stem(file) : in.name};
        if (auto st = validate_layer_name(id.name); !st) {
            error = to_string(Location{file, 0, 0}) + ": error: " + st.error().message +
                    (in.name.empty() ? " (the name comes from the file name; give one with --name)" : "");
            return std::nullopt;
        }
        auto composed = compose(shared_base, shared_grant, rules, id, in.options);
        if (!composed) {
            error = composed.error().format();
            return std::nullopt;
        }
        out.push_back(Composed{file, std::move(*composed)});
    }
    return out;
}

}  // namespace aalayer::tool
