// noop: the SDK's round trip and nothing else (the plugin benchmark's Go module):
// every item is read, kept as its input text and written back.
package main

import krm "strata.dev/plugin-sdk-go"

func main() {
	krm.Run(func(*krm.ResourceList) error { return nil })
}
