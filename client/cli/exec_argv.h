// A command line for execvp, which takes char* const[] and not strings.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace aalayer::cli {

class ExecArgv {
public:
    explicit ExecArgv(std::vector<std::string> words) : words_(std::move(words)) {
        pointers_.reserve(words_.size() + 1);
        for (auto& w : words_)
            pointers_.push_back(w.data());
        pointers_.push_back(nullptr);
    }
    // The pointers point into words_: a copy would point into the original.
    ExecArgv(const ExecArgv&) = delete;
    ExecArgv& operator=(const ExecArgv&) = delete;

    [[nodiscard]] const char* program() const { return pointers_.front(); }
    [[nodiscard]] char* const* argv() const { return pointers_.data(); }

private:
    std::vector<std::string> words_;
    std::vector<char*> pointers_;
};

}  // namespace aalayer::cli
