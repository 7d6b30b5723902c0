// Command labmanifest writes manifest.json for one kernel's lab output.
package main

func main() {}
