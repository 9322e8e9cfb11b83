// Tests of StoredChoice: the list of texts a field may take as messages print it (one, two and
// three texts), decoding a known text, refusing an unknown one by name, and printing as the text.

import Foundation
import Testing

@testable import SliceGenPrivacy

private enum Single: String, StoredChoice {
  case only
  init(from decoder: any Decoder) throws { self = try Self.decodeChoice(from: decoder) }
}

private enum Colour: String, StoredChoice {
  case red
  case darkGreen = "dark-green"
  case blue
  init(from decoder: any Decoder) throws { self = try Self.decodeChoice(from: decoder) }
}

@Suite("Stored choices")
struct StoredChoiceTests {
  @Test("choices: quoted texts, commas, and \"or\" before the last")
  func choices() {
    #expect(Single.choices == #""only""#)
    #expect(NeighbouringRelation.choices == #""replace-one" or "zero-out""#)
    #expect(Colour.choices == #""red", "dark-green" or "blue""#)
  }

  @Test("a stored text decodes to its case and prints as the text")
  func known() throws {
    let decoded = try JSONDecoder().decode([Colour].self, from: Data(#"["dark-green","red"]"#.utf8))
    #expect(decoded == [.darkGreen, .red])
    #expect(decoded.map(\.description) == ["dark-green", "red"])
    #expect("\(Colour.darkGreen)" == "dark-green")
  }

  @Test("an unknown text is refused with the text and the choices in the message")
  func unknown() {
    for text in ["green", "Red", "", "dark_green"] {
      do {
        _ = try JSONDecoder().decode([Colour].self, from: Data("[\"\(text)\"]".utf8))
        Issue.record("\(text) was accepted")
      } catch DecodingError.dataCorrupted(let context) {
        #expect(context.debugDescription == "is \"\(text)\", must be \(Colour.choices)")
      } catch {
        Issue.record("unexpected \(error)")
      }
    }
    // Not a string at all: a type mismatch, not a made-up choice.
    #expect(throws: DecodingError.self) {
      try JSONDecoder().decode([Colour].self, from: Data("[3]".utf8))
    }
  }
}
