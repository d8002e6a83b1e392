using System.Text.Json;
using System.Text.Json.Serialization;

namespace Shinsa.Grains;

/// <summary>The one serializer setting for log records and grain snapshots, so the host and tests agree on bytes.</summary>
public static class GrainJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    public static byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    public static T Deserialize<T>(ReadOnlySpan<byte> bytes) =>
        JsonSerializer.Deserialize<T>(bytes, Options) ?? throw new JsonException($"empty {typeof(T).Name}");
}
