package packet

// expectedUMACs lists the UMAC rows the registry must have once the umac
// package is merged.
var expectedUMACs = []string{}
