import Testing

@testable import NeuvoSupport

@Suite("Henkilötunnus validation")
struct HenkilotunnusTests {
    @Test func acceptsAValidCode() throws {
        let code = try Henkilotunnus(validating: "131052-308T")
        #expect(code.day == 13)
        #expect(code.month == 10)
        #expect(code.year == 1952)
        #expect(code.individualNumber == 308)
        #expect(!code.isTemporary)
    }

    @Test func rejectsAWrongCheckCharacter() {
        #expect(throws: Henkilotunnus.Problem.wrongCheckCharacter) { try Henkilotunnus(validating: "131052-308U") }
    }

    @Test func temporaryCodesNeedPermission() throws {
        #expect(throws: Henkilotunnus.Problem.temporaryNotAllowed) { try Henkilotunnus(validating: "100190Y999P") }
        let temporary = try Henkilotunnus(validating: "100190Y999P", allowTemporary: true)
        #expect(temporary.isTemporary)
        #expect(temporary.year == 1990)
    }

    @Test func rejectsADateThatDoesNotExist() {
        #expect(throws: Henkilotunnus.Problem.invalidDate) { try Henkilotunnus(validating: "310223A9012") }
    }

    @Test func rejectsAnUnknownCenturySign() {
        #expect(throws: Henkilotunnus.Problem.invalidCenturySign("G")) { try Henkilotunnus(validating: "010106G9012") }
    }

    @Test(arguments: [
        ("+", 1800), ("-", 1900), ("Y", 1900), ("X", 1900), ("W", 1900), ("V", 1900), ("U", 1900),
        ("A", 2000), ("B", 2000), ("C", 2000), ("D", 2000), ("E", 2000), ("F", 2000),
    ])
    func everyCenturySignGivesItsCentury(sign: String, century: Int) throws {
        // Same date and individual number; only the sign changes, and the check character does not depend on it.
        let check = checkCharacter("010203234")
        let code = try Henkilotunnus(validating: "010203\(sign)234\(check)")
        #expect(code.year == century + 3)
        #expect(try Henkilotunnus(validating: "010203\(sign.lowercased())234\(check.lowercased())").year == century + 3)
    }

    @Test func leapDaysFollowTheCentury() {
        #expect(Henkilotunnus.isValid("290200A" + "002" + checkCharacter("290200002")))  // 2000 is a leap year
        #expect(!Henkilotunnus.isValid("290200-" + "002" + checkCharacter("290200002")))  // 1900 is not
    }

    @Test func rejectsMalformedInput() {
        #expect(throws: Henkilotunnus.Problem.wrongLength(10)) { try Henkilotunnus(validating: "131052-308") }
        #expect(throws: Henkilotunnus.Problem.notDigits) { try Henkilotunnus(validating: "13105X-308T") }
        #expect(throws: Henkilotunnus.Problem.individualNumberOutOfRange(1)) {
            try Henkilotunnus(validating: "131052-001" + checkCharacter("131052001"))
        }
    }

    @Test func descriptionNeverRevealsTheCode() throws {
        let code = try Henkilotunnus(validating: "131052-308T")
        #expect(!"\(code)".contains("131052"))
    }

    func checkCharacter(_ digits: String) -> String {
        String(Henkilotunnus.checkCharacters[Int(digits)! % 31])
    }
}
