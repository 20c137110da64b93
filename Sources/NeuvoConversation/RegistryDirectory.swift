import Foundation
import NeuvoLanguage
import NeuvoRegistry

/// The Service Map registry as the conversation's directory.
extension RegistrySearch: ServiceDirectory {
    public func gazetteer() async throws -> Gazetteer {
        builtGazetteer()
    }

    public func directoryUnit(id: String, language: Language) async throws -> DirectoryUnit? {
        unit(id: id, language: language).map { DirectoryUnit($0) }
    }

    public func unit(services: [String], inDistrict district: String, language: Language) async throws
        -> DirectoryUnit?
    {
        firstUnit(services) { units(inDistrict: district, service: $0, language: language, limit: 1) }
    }

    /// The nearest unit to the district; without a district there is no "nearest", so nil (the engine asks where).
    public func findUnit(services: [String], district: String?, language: Language) async throws -> DirectoryUnit? {
        guard let district else { return nil }
        return firstUnit(services) { nearest(service: $0, to: .district(district), language: language, limit: 1) }
    }

    /// The first unit `search` finds for the services in order. Intents list bare ontologytree ids ("991"); the
    /// registry names them "node:991".
    private func firstUnit(_ services: [String], _ search: (String) -> [UnitAnswer]) -> DirectoryUnit? {
        for service in services {
            let id = service.allSatisfy(\.isNumber) ? "node:\(service)" : service
            if let unit = search(id).first { return DirectoryUnit(unit) }
        }
        return nil
    }
}

extension DirectoryUnit {
    init(_ answer: UnitAnswer) {
        let place = [answer.postalCode, answer.city?.text].compactMap { $0 }.joined(separator: " ")
        let address = [answer.streetAddress?.text, place.isEmpty ? nil : place].compactMap { $0 }
        self.init(
            id: answer.id, name: answer.name.text, address: address.isEmpty ? nil : address.joined(separator: ", "),
            phone: answer.phone, link: answer.link?.text, openingHours: answer.openingHours?.text,
            language: answer.usesFallbackLanguage ? answer.fallbackLanguages.sorted().first : nil)
        isSample = answer.isSample
    }
}
