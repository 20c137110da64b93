import Foundation
import NeuvoLanguage

extension BinaryWriter {
    mutating func names(_ value: LocalizedNames) {
        optional(value.fi) { $0.string($1) }
        optional(value.sv) { $0.string($1) }
        optional(value.en) { $0.string($1) }
    }

    mutating func coordinates(_ value: Coordinates?) {
        optional(value) {
            $0.double($1.latitude)
            $0.double($1.longitude)
        }
    }
}

extension BinaryReader {
    mutating func names() throws -> LocalizedNames {
        LocalizedNames(
            fi: try optional { try $0.string() }, sv: try optional { try $0.string() },
            en: try optional { try $0.string() })
    }

    mutating func coordinates() throws -> Coordinates? {
        try optional { Coordinates(latitude: try $0.double(), longitude: try $0.double()) }
    }
}
