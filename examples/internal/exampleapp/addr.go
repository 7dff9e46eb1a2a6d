package exampleapp

import (
	"fmt"
	"net"
	"strconv"
)

// DefaultAddr is where the examples listen unless told otherwise.
const DefaultAddr = "localhost:8080"

// ListenAddr chooses the address to listen on: the -addr flag when given,
// else localhost with the port in the PORT environment variable, else
// DefaultAddr.
func ListenAddr(flagAddr string, getenv func(string) string) (string, error) {
	if flagAddr != "" {
		if _, _, err := net.SplitHostPort(flagAddr); err != nil {
			return "", fmt.Errorf("-addr %q is not host:port: %w", flagAddr, err)
		}
		return flagAddr, nil
	}
	if port := getenv(EnvPort); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
			return "", fmt.Errorf("%s=%q is not a port number", EnvPort, port)
		}
		return net.JoinHostPort("localhost", port), nil
	}
	return DefaultAddr, nil
}

// browserURL is the URL to open for a listener bound to ln while asked to
// listen on addr: the host asked for (localhost for "" or an unspecified
// address) and the port actually bound, which differs when addr asked for
// port 0.
func browserURL(addr string, ln net.Addr) string {
	host, _, _ := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	port := "0"
	if tcp, ok := ln.(*net.TCPAddr); ok {
		port = strconv.Itoa(tcp.Port)
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}
