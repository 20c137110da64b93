import Foundation
import NeuvoCore
import Synchronization

/// Sparse rows in compressed form: row `i` has `indices[starts[i]..<starts[i + 1]]` and the same `values`.
struct SparseRows: Sendable {
    var starts: [Int] = [0]
    var indices: [Int32] = []
    var values: [Float] = []

    var count: Int { starts.count - 1 }

    mutating func append(indices rowIndices: [Int32], values rowValues: [Float]) {
        indices.append(contentsOf: rowIndices)
        values.append(contentsOf: rowValues)
        starts.append(indices.count)
    }
}

/// One-vs-rest L2-regularised L2-loss linear SVM trained by dual coordinate descent with shrinking
/// (Hsieh et al. 2008, the algorithm of LIBLINEAR and scikit-learn's LinearSVC). The bias is a constant
/// feature of value 1, regularised like the others, as in LIBLINEAR.
enum LinearSVM {
    struct Parameters: Sendable {
        var c: Double
        var tolerance: Double
        var maximumEpochs: Int
        var seed: UInt64
        var threads: Int
    }

    /// Returns weights laid out feature-major (`weights[feature * classCount + class]`, so scoring one message
    /// reads contiguous rows), one bias per class and the dual variables (`alpha[class * rows.count + row]`).
    /// `initialAlpha` (same layout) starts the descent there instead of at 0: the problem's optimum is unique,
    /// so a good start only saves epochs.
    static func train(
        rows: SparseRows, labels: [Int], classCount: Int, featureCount: Int, parameters: Parameters,
        initialAlpha: [Double]? = nil
    ) -> (weights: [Float], bias: [Float], alpha: [Double]) {
        var weights = [Float](repeating: 0, count: featureCount * classCount)
        var bias = [Float](repeating: 0, count: classCount)
        let l = rows.count
        var alphas = [Double](repeating: 0, count: l * classCount)
        let squaredNorms = (0..<rows.count).map { row -> Double in
            var sum = 1.0  // the bias feature
            for p in rows.starts[row]..<rows.starts[row + 1] { sum += Double(rows.values[p] * rows.values[p]) }
            return sum
        }
        let threads = max(1, min(parameters.threads, classCount))
        weights.withUnsafeMutableBufferPointer { weightBuffer in
            bias.withUnsafeMutableBufferPointer { biasBuffer in
                alphas.withUnsafeMutableBufferPointer { alphaBuffer in
                    nonisolated(unsafe) let weightOut = weightBuffer
                    nonisolated(unsafe) let biasOut = biasBuffer
                    nonisolated(unsafe) let alphaOut = alphaBuffer
                    // Classes are independent and each has its own seed, so the result does not depend on threads.
                    // Each worker takes the next class as it finishes one: classes differ in cost several times
                    // over, and a fixed share left one core idle while the other finished its expensive classes.
                    let nextClass = Atomic<Int>(0)
                    DispatchQueue.concurrentPerform(iterations: threads) { _ in
                        var w = [Float](repeating: 0, count: featureCount + 1)
                        var alpha = [Double](repeating: 0, count: l)
                        while true {
                            let k = nextClass.add(1, ordering: .relaxed).oldValue
                            guard k < classCount else { break }
                            for i in 0..<l { alpha[i] = initialAlpha?[k * l + i] ?? 0 }
                            trainOne(
                                rows: rows, positive: k, labels: labels, squaredNorms: squaredNorms,
                                parameters: parameters, w: &w, alpha: &alpha)
                            for f in 0..<featureCount { weightOut[f * classCount + k] = w[f] }
                            biasOut[k] = w[featureCount]
                            for i in 0..<l { alphaOut[k * l + i] = alpha[i] }
                        }
                    }
                }
            }
        }
        return (weights, bias, alphas)
    }

    private static func trainOne(
        rows: SparseRows, positive: Int, labels: [Int], squaredNorms: [Double], parameters: Parameters,
        w: inout [Float], alpha: inout [Double]
    ) {
        let l = rows.count
        let biasIndex = w.count - 1
        for f in w.indices { w[f] = 0 }
        let diagonal = 0.5 / parameters.c
        var order = Array(0..<l)
        let targets: [Double] = labels.map { $0 == positive ? 1 : -1 }
        // w = Σ alpha_i y_i x_i (with the bias feature): the primal point of the starting duals.
        for i in 0..<l where alpha[i] != 0 {
            let step = Float(alpha[i] * targets[i])
            for p in rows.starts[i]..<rows.starts[i + 1] { w[Int(rows.indices[p])] += step * rows.values[p] }
            w[biasIndex] += step
        }
        var random = SplitMix64(seed: parameters.seed &+ UInt64(positive + 1) &* 0x9E37_79B9_7F4A_7C15)
        // Unchecked buffers: this loop is nearly all of the training time.
        rows.starts.withUnsafeBufferPointer { starts in
            rows.indices.withUnsafeBufferPointer { indices in
                rows.values.withUnsafeBufferPointer { values in
                    targets.withUnsafeBufferPointer { targets in
                        squaredNorms.withUnsafeBufferPointer { squaredNorms in
                            alpha.withUnsafeMutableBufferPointer { alpha in
                                order.withUnsafeMutableBufferPointer { order in
                                    w.withUnsafeMutableBufferPointer { w in
                                        var activeSize = l
                                        var projectedMaxOld = Double.infinity
                                        var epoch = 0
                                        while epoch < parameters.maximumEpochs {
                                            var projectedMax = -Double.infinity
                                            var projectedMin = Double.infinity
                                            for i in 0..<activeSize {
                                                let j = i + Int(random.next() % UInt64(activeSize - i))
                                                order.swapAt(i, j)
                                            }
                                            var s = 0
                                            while s < activeSize {
                                                let i = order[s]
                                                let y = targets[i]
                                                let start = starts[i]
                                                let end = starts[i + 1]
                                                var dot = w[biasIndex]
                                                for p in start..<end { dot += w[Int(indices[p])] * values[p] }
                                                let gradient = y * Double(dot) - 1 + alpha[i] * diagonal
                                                var projected = 0.0
                                                if alpha[i] == 0 {
                                                    if gradient > projectedMaxOld {
                                                        activeSize -= 1
                                                        order.swapAt(s, activeSize)
                                                        continue
                                                    } else if gradient < 0 {
                                                        projected = gradient
                                                    }
                                                } else {
                                                    projected = gradient
                                                }
                                                projectedMax = max(projectedMax, projected)
                                                projectedMin = min(projectedMin, projected)
                                                if abs(projected) > 1e-12 {
                                                    let old = alpha[i]
                                                    alpha[i] = max(old - gradient / (squaredNorms[i] + diagonal), 0)
                                                    let step = Float((alpha[i] - old) * y)
                                                    for p in start..<end { w[Int(indices[p])] += step * values[p] }
                                                    w[biasIndex] += step
                                                }
                                                s += 1
                                            }
                                            epoch += 1
                                            if projectedMax - projectedMin <= parameters.tolerance {
                                                if activeSize == l { break }
                                                activeSize = l
                                                projectedMaxOld = .infinity
                                                continue
                                            }
                                            projectedMaxOld = projectedMax <= 0 ? .infinity : projectedMax
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
