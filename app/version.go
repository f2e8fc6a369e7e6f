package app

// Version is set at build time with -ldflags "-X pilu/app.Version=…".
var Version = "dev"
