import Foundation

/// Multinomial naive Bayes over the same TF-IDF rows the SVM sees (the "TF-IDF multinomial NB" of Rennie et
/// al. 2003): per class, the smoothed share of the feature mass each feature holds.
///
/// It is not used alone. Its log-likelihoods are added, scaled, to the SVM's scores: both are linear in the
/// message's features, so the sum is one linear model and classification costs nothing more. The SVM
/// finds the few features that separate classes best; naive Bayes gives every feature a class has used a say,
/// which helps short messages whose one telling word the margin solution gave little weight. On a split of
/// MASSIVE train (see benchmarks/nlu) the sum beats either part.
enum MultinomialNaiveBayes {
    /// Log-likelihoods laid out like the SVM's weights (`logLikelihood[feature * classCount + class]`) and the
    /// log prior of each class. `rows` are the training rows (non-negative values), `labels` their classes.
    static func train(rows: SparseRows, labels: [Int], classCount: Int, featureCount: Int, alpha: Double)
        -> (logLikelihood: [Float], logPrior: [Float])
    {
        // Float sums: a class's mass in a feature is a sum of at most a few thousand values below 1.
        var mass = [Float](repeating: 0, count: featureCount * classCount)
        var classMass = [Double](repeating: 0, count: classCount)
        var classCounts = [Int](repeating: 0, count: classCount)
        for row in 0..<rows.count {
            let k = labels[row]
            classCounts[k] += 1
            for p in rows.starts[row]..<rows.starts[row + 1] {
                let value = rows.values[p]
                mass[Int(rows.indices[p]) * classCount + k] += value
                classMass[k] += Double(value)
            }
        }
        let logDenominators = classMass.map { Float(log($0 + alpha * Double(featureCount))) }
        let smoothing = Float(alpha)
        // Most features occur in few classes: the empty cells share one value per class, and only the others
        // need a logarithm (the calibration folds train this six times).
        let emptyCell = logDenominators.map { Float(log(alpha)) - $0 }
        mass.withUnsafeMutableBufferPointer { mass in
            for f in 0..<featureCount {
                let row = f * classCount
                for k in 0..<classCount {
                    let value = mass[row + k]
                    mass[row + k] = value == 0 ? emptyCell[k] : log(value + smoothing) - logDenominators[k]
                }
            }
        }
        let total = Double(max(rows.count, 1))
        // A class without examples gets the prior of one example, so its scores stay finite.
        let logPrior = classCounts.map { Float(log(Double(max($0, 1)) / total)) }
        return (mass, logPrior)
    }
}
