// block DTMF's modes: upstream's names, and what DtmfReplacer puts in place of each digit.
