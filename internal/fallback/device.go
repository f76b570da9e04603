package fallback

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Default sysfs directories of the device signals.
const (
	DefaultPowerSupply = "/sys/class/power_supply"
	DefaultNet         = "/sys/class/net"
)

// Power is the device's power state, read from Linux's power-supply class.
type Power struct {
	// Battery is the charge of the batteries in percent (their mean when
	// there are several); HasBattery is false on a device without one.
	Battery    float64
	HasBattery bool
	// OnAC is true when a mains or USB supply is online, or a battery
	// reports that it is charging or full.
	OnAC bool
}

// readPower reads the power supplies under dir (one directory per supply,
// with "type", "online", "capacity" and "status" files). A missing or
// unreadable dir gives a device with no battery, on AC: nothing to save.
func readPower(dir string) Power {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return Power{OnAC: true}
	}
	var p Power
	var sum float64
	n := 0
	for _, e := range entries {
		sup := filepath.Join(dir, e.Name())
		switch sysfsString(sup, "type") {
		case "Mains", "USB":
			if sysfsString(sup, "online") == "1" {
				p.OnAC = true
			}
		case "Battery":
			if sysfsString(sup, "present") == "0" {
				continue
			}
			c, err := strconv.ParseFloat(sysfsString(sup, "capacity"), 64)
			if err != nil {
				continue
			}
			sum += min(max(c, 0), 100)
			n++
			if s := sysfsString(sup, "status"); s == "Charging" || s == "Full" {
				p.OnAC = true
			}
		}
	}
	if n > 0 {
		p.Battery, p.HasBattery = sum/float64(n), true
	} else {
		p.OnAC = true
	}
	return p
}

// networkUp reports whether an interface under dir (Linux's net class)
// other than loopback is up: operstate "up", or "unknown" (tunnels, some
// drivers) with a carrier. known is false when dir cannot be read (not
// Linux, or a sandbox): the caller then does not judge.
func networkUp(dir string) (up, known bool) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, false
	}
	for _, e := range entries {
		ifc := filepath.Join(dir, e.Name())
		if e.Name() == "lo" || sysfsString(ifc, "type") == "772" { // ARPHRD_LOOPBACK
			continue
		}
		switch sysfsString(ifc, "operstate") {
		case "up":
			return true, true
		case "unknown":
			if sysfsString(ifc, "carrier") == "1" {
				return true, true
			}
		}
	}
	return false, true
}

// sysfsString returns the trimmed content of dir/name, "" if unreadable.
func sysfsString(dir, name string) string {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
