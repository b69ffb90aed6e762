#include "service/store/record_file.h"

#include <sstream>

#include "policy/common/hash.h"
#include "service/store/whole_file.h"

namespace aalayer::service {

namespace fs = std::filesystem;

std::string write_record_file(std::string_view magic, const RecordFields& fields, std::string_view body) {
    std::string header(magic);
    header += '\n';
    for (const auto& [key, value] : fields)
        header += key + ' ' + value + '\n';
    std::string out = header;
    out += "checksum " + policy::hex64(policy::fnv1a_bytes(header + std::string(body))) + "\n\n";
    out += body;
    return out;
}

Outcome<RecordFile> read_record_file(std::string_view magic, std::string_view kind,
                                     const std::string& content) {
    auto bad = [](const std::string& why) { return fail(ServiceErrorKind::Internal, why); };
    const auto blank = content.find("\n\n");
    if (blank == std::string::npos) return bad("no header (truncated?)");
    std::istringstream in(content.substr(0, blank + 1));
    std::string line;
    if (!std::getline(in, line) || line != magic) return bad("not an aalayer " + std::string(kind) + " file");
    RecordFile file;
    std::string checksum;
    std::string header = line + "\n";
    while (std::getline(in, line)) {
        const auto space = line.find(' ');
        if (space == std::string::npos) return bad("malformed header line '" + line + "'");
        std::string key = line.substr(0, space);
        std::string value = line.substr(space + 1);
        if (key == "checksum") {
            checksum = std::move(value);
            continue;
        }
        header += line + "\n";
        file.fields.emplace_back(std::move(key), std::move(value));
    }
    file.body = content.substr(blank + 2);
    file.checksum_matches = checksum == policy::hex64(policy::fnv1a_bytes(header + file.body));
    return file;
}

std::error_code for_each_record_file(const std::string& dir, std::string_view suffix,
                                     const std::function<void(const fs::path&, const std::string&)>& use) {
    std::error_code ec;
    if (!fs::exists(dir, ec)) return {};
    for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const fs::path& p = it->path();
        if (!it->is_regular_file()) continue;
        const std::string file = p.filename().string();
        if (file.starts_with(".") && file.find(".tmp-") != std::string::npos) {
            std::error_code ignored;
            fs::remove(p, ignored);
            continue;
        }
        if (!file.ends_with(suffix)) continue;
        use(p, read_whole_file(p).value_or(std::string()));
    }
    return ec;
}

}  // namespace aalayer::service
