import Testing

@testable import NeuvoNotifications

@Suite struct AddressValidationTests {
    @Test(arguments: [
        "matti.meikalainen@hel.fi", "a+tag@example.co.uk", "x_y-z@sub.domain-1.fi", "o'brien@example.ie",
        "user@xn--hmeenlinna-y5a.fi",
    ])
    func acceptsOrdinaryAddresses(address: String) {
        #expect(throws: Never.self) { try AddressValidation.email(address) }
    }

    @Test(arguments: [
        "no-at", "a@b", "a@@b.fi", ".a@b.fi", "a.@b.fi", "a..b@c.fi", "a@-b.fi", "a@b-.fi", "a@b..fi", "a@1.2.3.4",
        "a@[127.0.0.1]", "\"quoted\"@b.fi", "äiti@b.fi", "a b@c.fi", "a@b.fi,c@d.fi",
        String(repeating: "a", count: 65) + "@b.fi",
    ])
    func refusesMalformedAddresses(address: String) {
        #expect(throws: AddressError.self) { try AddressValidation.email(address) }
    }

    @Test func refusesInjectionCharactersByName() {
        let cases: [(String, String)] = [
            ("a@b.fi\r\nRCPT TO:<x@y.fi>", "CR"), ("a@b.fi\nDATA", "LF"), ("a\u{0}@b.fi", "NUL"),
            ("<a@b.fi>", "<"), ("a@b.fi>", ">"), ("a\tb@c.fi", "U+0009"), ("a\u{85}@b.fi", "U+0085"),
            ("a\u{2028}@b.fi", "U+2028"), ("a\u{7F}@b.fi", "U+007F"),
        ]
        for (address, name) in cases {
            #expect(throws: AddressError.forbiddenCharacter(name)) { try AddressValidation.email(address) }
        }
    }

    @Test func refusesOverlongAddresses() {
        let address =
            "a@" + Array(repeating: String(repeating: "b", count: 60), count: 5).joined(separator: ".") + ".fi"
        #expect(throws: AddressError.tooLong(limit: 254)) { try AddressValidation.email(address) }
        #expect(throws: AddressError.empty) { try AddressValidation.email("") }
    }

    @Test func errorsDoNotRepeatTheAddress() {
        do {
            try AddressValidation.email("secret.person@b.fi\r\n")
            Issue.record("accepted")
        } catch {
            #expect(!error.description.contains("secret"))
        }
    }

    @Test(arguments: ["+358401234567", "+12025550123", "+4915123456789", "+35840123"])
    func acceptsE164(number: String) {
        #expect(throws: Never.self) { try AddressValidation.phone(number) }
    }

    @Test(arguments: [
        "0401234567", "+0123456789", "+358 40 123", "+358-40-1234", "+1234567", "+1234567890123456",
        "\u{FF0B}358401234567", "+\u{0663}\u{0665}\u{0668}40123456", "358401234567+", "+",
    ])
    func refusesNonE164(number: String) {
        #expect(throws: AddressError.self) { try AddressValidation.phone(number) }
    }

    @Test func phoneInjectionIsNamed() {
        #expect(throws: AddressError.forbiddenCharacter("CR")) { try AddressValidation.phone("+35840\r\n1234") }
    }
}
