// Tests of PairSelectionMode: the texts `--marginals` and a release header take ("tree",
// "select:K" with K ≥ 1), what is refused, and that a header field round-trips as the same text.

import Foundation
import Testing

@testable import SliceGen

@Suite("Pair-selection mode")
struct PairSelectionModeTests {
  @Test("reads tree and select:K (K ≥ 1), and nothing else")
  func parsing() {
    #expect(PairSelectionMode(text: "tree") == .tree)
    #expect(PairSelectionMode(text: "select:1") == .largest(1))
    #expect(PairSelectionMode(text: "select:39") == .largest(39))
    for bad in [
      "", "Tree", " tree", "tree ", "select", "select:", "select:0", "select:-2", "select:x",
      "select:3.5", "select: 3", "largest:3",
    ] {
      #expect(PairSelectionMode(text: bad) == nil, "'\(bad)'")
    }
  }

  @Test("description is the text it was read from")
  func description() {
    for text in ["tree", "select:1", "select:120"] {
      #expect(PairSelectionMode(text: text)?.description == text)
    }
  }

  @Test("stored as its text in JSON; an unknown text is refused with the text in the message")
  func coding() throws {
    let modes: [PairSelectionMode] = [.tree, .largest(26)]
    let data = try JSONEncoder().encode(modes)
    #expect(String(decoding: data, as: UTF8.self) == #"["tree","select:26"]"#)
    #expect(try JSONDecoder().decode([PairSelectionMode].self, from: data) == modes)
    do {
      _ = try JSONDecoder().decode([PairSelectionMode].self, from: Data(#"["select:0"]"#.utf8))
      Issue.record("select:0 was accepted")
    } catch DecodingError.dataCorrupted(let context) {
      #expect(context.debugDescription.contains("not select:0"))
    }
  }
}
