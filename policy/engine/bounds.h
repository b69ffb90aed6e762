// Internal to policy/engine: what prepare_bounds() computes once per base
// and user, and the formula on one path's answers. The public header
// (compose.h) only names Bounds; its indexes serve the proof and queries.
#pragma once

#include <memory>
#include <vector>

#include "policy/engine/compose.h"
#include "policy/engine/labels.h"

namespace aalayer::policy {

// A base and one user's grant, prepared once for every layer composed on
// them: their product automaton, whose label indexes `cells`.
struct Bounds {
    struct Cell {
        PermPair base;   // B(p)
        PermPair grant;  // G(p), when in_region
        bool in_region = false;
        friend bool operator==(const Cell&, const Cell&) = default;
    };
    std::shared_ptr<const BasePolicy> base;
    std::shared_ptr<const CompiledGrant> grant;
    Dfa product;
    std::vector<Cell> cells;
    // For the proof: the cells of every canonical path on from a state of
    // `product`, entered by '/' (context 0) or by another byte (context 1):
    // reach_sets[reach[2 * state + context]], sorted. Where the layer and
    // child are in a state no byte leaves, the proof checks these cells once
    // instead of walking the base's automaton behind that state.
    std::vector<std::uint32_t> reach;
    std::vector<std::vector<std::uint32_t>> reach_sets;
    // The child's section outside the grant, the same for every layer: its
    // rules as they parse back from the emitted text, and their automaton
    // (label: encode(allow pair)). A child whose text holds all of these
    // rules is proved with this automaton and only its other rules compiled.
    std::vector<FileRuleInfo> outside_rules;
    Dfa outside_dfa = Dfa::empty();
    // For the notes on what a layer takes away (removal_notes.h), the same
    // for every layer: the region's canonical paths, labelled with an index
    // into region_cells ([0]: outside the region, or not canonical).
    struct RegionCell {
        PermPair base;           // B(p)
        PermPair grant;          // G(p)
        std::size_t rule = 0;    // the first grant rule holding p
        bool directory = false;  // p ends in '/'
    };
    Dfa region = Dfa::empty();
    std::vector<RegionCell> region_cells;
    // For clipping all of a layer's rules in one walk (clip_scan.h), the
    // same for every layer: the grant's automaton with its rules' ids beside
    // its bound, labelled with an index into clip_cells.
    struct ClipCell {
        Label grant_rules = 0;  // a label of grant->bound: the grant rules matching the path
        Label grant = 0;        // a label of grant->bound_dfa (GrantLabel)
    };
    Dfa clip_side = Dfa::empty();
    std::vector<ClipCell> clip_cells;
};

// The formula on one path's cells (compose.h): B ∩ G ∩ A − D inside the
// region, B − D outside. `layer`: a LayerLabel.
PermPair formula(const Bounds::Cell& cell, Label layer);

}  // namespace aalayer::policy
