using System.Text;
using Shinsa.Ingestion.Text;
using Shinsa.Tests.Common;

namespace Shinsa.Ingestion.Tests;

/// <summary>The real sample as decoded lines, to build corrupt variants whose expected line numbers the test knows.</summary>
internal static class SampleFile
{
    public static readonly byte[] Bytes = TestFiles.SampleUkeBytes();

    public static List<string> Lines() => InputText.ShiftJis.GetString(Bytes).Split("\r\n").Where(l => l.Length > 0).ToList();

    public static byte[] Join(IEnumerable<string> lines, string newline = "\r\n", Encoding? encoding = null) =>
        (encoding ?? InputText.ShiftJis).GetBytes(string.Concat(lines.Select(l => l + newline)));

    /// <summary>Index (0-based) of the n-th (1-based) RE line.</summary>
    public static int NthReceipt(List<string> lines, int n) =>
        lines.Select((l, i) => (l, i)).Where(x => x.l.StartsWith("RE,")).Skip(n - 1).First().i;
}
