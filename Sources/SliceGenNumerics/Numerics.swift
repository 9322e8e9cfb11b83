public enum SliceGenNumericsInfo {}
