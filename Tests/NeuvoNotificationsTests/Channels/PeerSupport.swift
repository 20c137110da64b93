import Foundation
import NeuvoTestSupport

/// JSON lines of a file, or none when it does not exist yet.
func jsonLines(_ path: String) throws -> [[String: Any]] {
    guard let data = FileManager.default.contents(atPath: path) else { return [] }
    return try String(decoding: data, as: UTF8.self).split(separator: "\n").map {
        try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
    }
}
