import Foundation

/// The units' points prepared for "nearest": latitude and longitude in radians and the cosine of the latitude,
/// computed once, so ranking a service's units costs two sines each instead of a whole great-circle distance,
/// and no sort of all of them.
struct UnitPoints: Sendable {
    private let latitudes: [Double]
    private let longitudes: [Double]
    /// `cos(latitude)`; NaN for a unit without a point.
    private let cosines: [Double]

    private static let radians = Double.pi / 180

    init(_ points: [Coordinates?]) {
        latitudes = points.map { ($0?.latitude ?? .nan) * Self.radians }
        longitudes = points.map { ($0?.longitude ?? .nan) * Self.radians }
        cosines = points.map { $0.map { cos($0.latitude * Self.radians) } ?? .nan }
    }

    /// The haversine of the central angle between a unit and a point: it grows with the distance, so it orders
    /// units as their distances do. Nil for a unit without a point.
    private func haversine(_ unit: Int, latitude: Double, longitude: Double, cosine: Double) -> Double? {
        let unitCosine = cosines[unit]
        guard !unitCosine.isNaN else { return nil }
        let halfLatitude = sin((latitude - latitudes[unit]) / 2)
        let halfLongitude = sin((longitude - longitudes[unit]) / 2)
        return halfLatitude * halfLatitude + unitCosine * cosine * halfLongitude * halfLongitude
    }

    /// A lower bound of `haversine` without its two sines: sin x ≥ x − x³/6 for x ≥ 0 (the series alternates with
    /// falling terms up to √6), so a unit whose bound is already past the `limit`-th nearest needs no sine at all.
    /// With a few hundred candidates for a service, most are skipped this way once the first near ones are found.
    private func haversineLowerBound(_ unit: Int, latitude: Double, longitude: Double, cosine: Double) -> Double {
        let unitCosine = cosines[unit]
        guard !unitCosine.isNaN else { return 0 }
        @inline(__always) func sineBelow(_ x: Double) -> Double { max(0, x * (1 - x * x / 6)) }
        let halfLatitude = sineBelow(abs(latitude - latitudes[unit]) / 2)
        let halfLongitude = sineBelow(abs(longitude - longitudes[unit]) / 2)
        return halfLatitude * halfLatitude + unitCosine * cosine * halfLongitude * halfLongitude
    }

    /// A haversine a hair above `value`: far beyond the rounding of two ways of computing it, far below the
    /// difference of two units' distances that rounding could make equal.
    private static func margin(_ value: Double) -> Double { value * (1 + 1e-9) + 1e-30 }

    /// The `limit` units of `candidates` nearest to `centre`, nearest first and, at the same distance, by index,
    /// with their distances in metres (`Coordinates.distance`); units without a point are left out.
    ///
    /// The same answer as measuring every candidate with `Coordinates.distance` and sorting them all: the
    /// haversines choose the few within a hair (10⁻⁹, far beyond rounding) of the `limit`-th, and only those are
    /// measured and sorted.
    func nearest(_ candidates: [Int], to centre: Coordinates, limit: Int, points: [Coordinates?])
        -> [(unit: Int, distance: Double)]
    {
        guard limit > 0 else { return [] }
        let latitude = centre.latitude * Self.radians
        let longitude = centre.longitude * Self.radians
        let cosine = cos(latitude)
        // The `limit` smallest haversines so far, ascending, and every candidate that was within the margin of
        // the `limit`-th when it came: a superset of those within it at the end, since the `limit`-th only falls.
        var smallest: [Double] = []
        smallest.reserveCapacity(limit + 1)
        var close: [(unit: Int, haversine: Double)] = []
        for unit in candidates {
            // Skipped only when the bound, shrunk far beyond its rounding, is still outside the margin: a unit the
            // loop below would not have kept.
            if smallest.count == limit,
                haversineLowerBound(unit, latitude: latitude, longitude: longitude, cosine: cosine) * (1 - 1e-12)
                    > Self.margin(smallest[limit - 1])
            {
                continue
            }
            guard let value = haversine(unit, latitude: latitude, longitude: longitude, cosine: cosine) else {
                continue
            }
            if smallest.count < limit || value <= Self.margin(smallest[smallest.count - 1]) {
                close.append((unit, value))
                if smallest.count < limit || value < smallest[smallest.count - 1] {
                    let at = smallest.firstIndex { $0 > value } ?? smallest.count
                    smallest.insert(value, at: at)
                    if smallest.count > limit { smallest.removeLast() }
                }
            }
        }
        guard let last = smallest.last else { return [] }
        let threshold = Self.margin(last)
        var measured: [(unit: Int, distance: Double)] = []
        for (unit, value) in close where value <= threshold {
            if let point = points[unit] { measured.append((unit, point.distance(to: centre))) }
        }
        measured.sort { lhs, rhs in
            lhs.distance < rhs.distance || (lhs.distance == rhs.distance && lhs.unit < rhs.unit)
        }
        return Array(measured.prefix(limit))
    }
}
