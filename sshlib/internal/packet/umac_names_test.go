package packet

// expectedUMACs lists the UMAC rows the registry must have once the umac
// package is merged.
var expectedUMACs = []string{
	"umac-64@openssh.com", "umac-128@openssh.com",
	"umac-64-etm@openssh.com", "umac-128-etm@openssh.com",
}
