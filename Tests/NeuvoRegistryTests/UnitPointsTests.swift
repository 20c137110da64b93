import Foundation
import NeuvoCore
import Testing

@testable import NeuvoRegistry

@Suite("Nearest units")
struct UnitPointsTests {
    /// What `nearest` replaced: every candidate measured, all of them sorted.
    static func measuredAndSorted(_ candidates: [Int], _ points: [Coordinates?], _ centre: Coordinates, _ limit: Int)
        -> [(unit: Int, distance: Double)]
    {
        var measured: [(unit: Int, distance: Double)] = []
        for unit in candidates {
            if let point = points[unit] { measured.append((unit, point.distance(to: centre))) }
        }
        measured.sort { lhs, rhs in
            lhs.distance < rhs.distance || (lhs.distance == rhs.distance && lhs.unit < rhs.unit)
        }
        return Array(measured.prefix(limit))
    }

    @Test func givesTheSameUnitsAsMeasuringEveryOne() {
        var generator = SplitMix64(seed: 2027)
        for round in 0..<300 {
            // Helsinki-sized spreads, a few far away, some without a point and some on the very same spot.
            let spread = [0.001, 0.05, 0.3, 5][round % 4]
            var points: [Coordinates?] = (0..<Int.random(in: 1...400, using: &generator)).map { _ in
                if Int.random(in: 0..<20, using: &generator) == 0 { return nil }
                return Coordinates(
                    latitude: 60.17 + Double.random(in: -spread...spread, using: &generator),
                    longitude: 24.94 + Double.random(in: -spread...spread, using: &generator))
            }
            for index in points.indices where index % 7 == 3 { points[index] = points[index / 2] }
            let prepared = UnitPoints(points)
            let candidates = points.indices.filter { _ in Bool.random(using: &generator) }
            let centre =
                points.compactMap { $0 }.randomElement(using: &generator)
                ?? Coordinates(latitude: 60.2, longitude: 25.0)
            for limit in [1, 3, 20] {
                let found = prepared.nearest(candidates, to: centre, limit: limit, points: points)
                let expected = Self.measuredAndSorted(candidates, points, centre, limit)
                #expect(found.map(\.unit) == expected.map(\.unit), "round \(round), limit \(limit)")
                #expect(found.map(\.distance) == expected.map(\.distance))
            }
        }
    }

    @Test func givesTheSameUnitsAcrossTheWorld() {
        // Half-angles beyond √6 radians, where the sine's lower bound gives up (it is 0 there).
        var generator = SplitMix64(seed: 2028)
        for round in 0..<200 {
            let points: [Coordinates?] = (0..<Int.random(in: 1...200, using: &generator)).map { _ in
                Coordinates(
                    latitude: Double.random(in: -89...89, using: &generator),
                    longitude: Double.random(in: -179...179, using: &generator))
            }
            let prepared = UnitPoints(points)
            let centre = Coordinates(
                latitude: Double.random(in: -89...89, using: &generator),
                longitude: Double.random(in: -179...179, using: &generator))
            for limit in [1, 3] {
                let found = prepared.nearest(Array(points.indices), to: centre, limit: limit, points: points)
                let expected = Self.measuredAndSorted(Array(points.indices), points, centre, limit)
                #expect(found.map(\.unit) == expected.map(\.unit), "round \(round), limit \(limit)")
            }
        }
    }

    @Test func leavesOutUnitsWithoutAPoint() {
        let points: [Coordinates?] = [nil, Coordinates(latitude: 60.2, longitude: 24.9), nil]
        let found = UnitPoints(points).nearest(
            [0, 1, 2], to: Coordinates(latitude: 60.1, longitude: 24.9), limit: 3,
            points: points)
        #expect(found.map(\.unit) == [1])
        #expect(
            UnitPoints([nil]).nearest([0], to: Coordinates(latitude: 60, longitude: 25), limit: 1, points: [nil])
                .isEmpty)
    }
}
