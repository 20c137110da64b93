import Foundation

/// Inverse transverse Mercator on the GRS80 ellipsoid (Krüger's series, as in the Finnish JHS 154
/// recommendation), for units that carry only ETRS-GK25 or ETRS-TM35FIN coordinates.
enum TransverseMercator {
    case etrsGK25
    case etrsTM35FIN

    private var centralMeridian: Double { self == .etrsGK25 ? 25 : 27 }
    private var falseEasting: Double { self == .etrsGK25 ? 25_500_000 : 500_000 }
    private var scale: Double { self == .etrsGK25 ? 1 : 0.9996 }

    func wgs84(northing: Double, easting: Double) -> Coordinates {
        let f = 1 / 298.257222101
        let a = 6_378_137.0
        let n = f / (2 - f)
        let n2 = n * n
        let n3 = n2 * n
        let n4 = n3 * n
        let a1 = a / (1 + n) * (1 + n2 / 4 + n4 / 64)
        let e = (2 * f - f * f).squareRoot()
        let h = [
            n / 2 - 2 * n2 / 3 + 37 * n3 / 96 - n4 / 360,
            n2 / 48 + n3 / 15 - 437 * n4 / 1440,
            17 * n3 / 480 - 37 * n4 / 840,
            4397 * n4 / 161_280,
        ]
        let xi = northing / (a1 * scale)
        let eta = (easting - falseEasting) / (a1 * scale)
        var xiPrime = xi
        var etaPrime = eta
        for (offset, coefficient) in h.enumerated() {
            let k = Double(2 * (offset + 1))
            xiPrime -= coefficient * sin(k * xi) * cosh(k * eta)
            etaPrime -= coefficient * cos(k * xi) * sinh(k * eta)
        }
        let beta = asin(sin(xiPrime) / cosh(etaPrime))
        let l = asin(tanh(etaPrime) / cos(beta))
        let q = asinh(tan(beta))
        var qPrime = q + e * atanh(e * tanh(q))
        for _ in 0..<4 {
            qPrime = q + e * atanh(e * tanh(qPrime))
        }
        let degrees = 180 / Double.pi
        return Coordinates(latitude: atan(sinh(qPrime)) * degrees, longitude: centralMeridian + l * degrees)
    }
}
