// Package consent keeps what people have said about being contacted. For
// now that is the suppression list: people who objected to direct
// marketing (Art 21(2)-(3), which no grounds override), held as blind
// indexes only so that the objection outlives their erasure and stops the
// next import from marketing to them again. Consents and preferences
// belong here too.
package consent
