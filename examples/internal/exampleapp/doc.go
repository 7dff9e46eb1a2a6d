// Package exampleapp is the plumbing shared by the example web apps under
// examples/: where the credentials come from, the built-in fake platform
// that runs when there are none, the listen address, the page layout with
// the offline banner, and the program's start and clean shutdown.
//
// It holds no OpenTok logic of its own: every SDK call an example makes is
// in that example's own code, so that reading one main package shows how
// to use the SDK for its feature.
//
// An example's main is one line,
//
//	func main() { exampleapp.Main("archiving", newHandler) }
//
// where newHandler builds the example's http.Handler from a *Platform
// (the SDK client, plus the fake when running offline) and usually a *Site
// (the pages).
package exampleapp
