namespace Shinsa.Ingestion;

/// <summary>A line-precise problem in an input file. <see cref="Line"/> is 1-based; 0 means the file as a whole.</summary>
public sealed record IngestError(string File, int Line, string Reason)
{
    public override string ToString() => Line > 0 ? $"{File}:{Line}: {Reason}" : $"{File}: {Reason}";
}
