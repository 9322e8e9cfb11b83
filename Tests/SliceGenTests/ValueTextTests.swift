import Foundation
import Testing

@testable import SliceGen

@Suite("Values quoted in messages")
struct ValueTextTests {
  @Test("short values are unchanged; long ones keep 40 characters, an ellipsis and their length")
  func truncation() {
    #expect(ValueText.quoted("") == "")
    let forty = String(repeating: "é", count: 40)
    #expect(ValueText.quoted(forty) == forty)
    let long = String(repeating: "x", count: 41)
    #expect(ValueText.quoted(long) == String(repeating: "x", count: 40) + "… (41 bytes in all)")
    #expect(ValueText.quoted(forty + "a") == forty + "… (81 bytes in all)")
  }

  @Test("a 4 MiB field in a CSV gives an error message of a few hundred bytes")
  func hugeField() throws {
    let field = String(repeating: "9z", count: 2 << 20)
    let csv = TestPaths.write("age,income,colour,city,id\n\(field),1,red,A,0.5\n")
    var options = ReleaseOptions(epsilon: 1)
    options.insecureTestNoiseSeed = 1
    #expect {
      _ = try Releaser.release(
        csvPath: csv, schema: try mixedSchema(), options: options,
        outputPath: TestPaths.temporary("r.slg"))
    } throws: { error in
      let message = "\(error)"
      return message.utf8.count < 400 && message.contains("9z9z9z")
        && message.contains("(4194304 bytes in all)") && message.contains("is not a number")
    }
    // A huge column name in the header, and in a schema.
    let name = String(repeating: "n", count: 1 << 20)
    let header = TestPaths.write("age,income,colour,city,id,\(name)\n1,1,red,A,0.5,1\n")
    #expect {
      _ = try Releaser.release(
        csvPath: header, schema: try mixedSchema(), options: options,
        outputPath: TestPaths.temporary("r.slg"))
    } throws: { "\($0)".utf8.count < 400 }
    let json = "{\"columns\": [{\"name\": \"\(name)\", \"type\": \"numeric\"}]}"
    #expect { try Schema(jsonData: Data(json.utf8)) } throws: { "\($0)".utf8.count < 400 }
  }
}
