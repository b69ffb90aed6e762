#pragma once

#include <atomic>
#include <future>
#include <vector>

namespace aalayer::test {

// fn over every item on two threads (the machines have two cores), results in
// item order. For tests whose time goes into external processes.
template <typename In, typename Fn>
auto parallel_map(const std::vector<In>& items, Fn fn) {
    using Out = decltype(fn(items.front()));
    std::vector<Out> out(items.size());
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
        for (std::size_t i = next++; i < items.size(); i = next++)
            out[i] = fn(items[i]);
    };
    auto other = std::async(std::launch::async, worker);
    worker();
    other.get();
    return out;
}

}  // namespace aalayer::test
