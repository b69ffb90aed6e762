// Implementation of for_each_word; included by loader.h.
#pragma once

#include <type_traits>

namespace aalayer::policy {

namespace detail {

template <typename Fn>
void visit_condition_words(const Condition& c, const Location& where, Fn& fn) {
    for (const auto& v : c.values)
        fn(v, where);
    for (const auto& n : c.nested)
        visit_condition_words(n, where, fn);
}

}  // namespace detail

template <typename Fn>
void for_each_word(const std::vector<Item>& items, Fn&& fn) {
    for (const auto& item : items) {
        const Location& at = item.where;
        const Node& node = item.node;
        if (const auto* p = std::get_if<Box<Profile>>(&node)) {
            fn((*p)->name, at);
            if ((*p)->attachment) fn(*(*p)->attachment, at);
            for (const auto& c : (*p)->xattrs)
                detail::visit_condition_words(c, at, fn);
            for_each_word((*p)->items, fn);
        } else if (const auto* b = std::get_if<Box<QualifierBlock>>(&node)) {
            for_each_word((*b)->items, fn);
        } else if (const auto* cond = std::get_if<Box<Conditional>>(&node)) {
            for (const auto& branch : (*cond)->branches)
                for_each_word(branch.items, fn);
        } else if (const auto* f = std::get_if<FileRule>(&node)) {
            if (f->path) fn(*f->path, at);
            if (f->target) fn(*f->target, at);
        } else if (const auto* l = std::get_if<LinkRule>(&node)) {
            fn(l->link, at);
            fn(l->target, at);
        } else if (const auto* m = std::get_if<MediationRule>(&node)) {
            for (const auto& t : m->terms) {
                if (t.kind == Term::Kind::Word || t.kind == Term::Kind::Arrow) fn(t.word, at);
                for (const auto& w : t.list)
                    fn(w, at);
                for (const auto& c : t.conditions)
                    detail::visit_condition_words(c, at, fn);
            }
        } else if (const auto* cp = std::get_if<ChangeProfileRule>(&node)) {
            if (cp->exec) fn(*cp->exec, at);
            if (cp->target) fn(*cp->target, at);
        } else if (const auto* a = std::get_if<Alias>(&node)) {
            fn(a->from, at);
            fn(a->to, at);
        }
    }
}

}  // namespace aalayer::policy
