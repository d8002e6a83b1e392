using System.CommandLine;
using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;
using Shinsa.Grains;
using Shinsa.Grains.Records;
using Shinsa.Ingestion.Synthetic;
using Shinsa.Ingestion.Uke;

namespace Shinsa.Client.Commands;

/// <summary>
/// `shinsa bench copy`: the durable-append ceiling of cluster mode. The same replicated files as `bench ingest`,
/// parsed and encoded as log records beforehand (not timed), then written with binary COPY into a scratch table of
/// the log's shape, one transaction per file, as many files in flight as `bench ingest` sends. Nothing else: no HTTP,
/// no idempotency check, no grains. `scripts/bench-cluster.sh` divides the silos' end-to-end rate by this.
/// </summary>
internal static class BenchCopyCommand
{
    public static Command Create()
    {
        var connection = new Option<string>("--connection") { Description = "Npgsql connection string of the PostgreSQL to measure", Required = true };
        var receipts = new Option<int>("--receipts") { Description = "Receipts to write (rounded up to whole files of 75)", DefaultValueFactory = _ => 200_000 };
        var concurrency = new Option<int>("--concurrency") { Description = "Files (COPY transactions) in flight at once", DefaultValueFactory = _ => 4 };
        var sample = new Option<string?>("--sample") { Description = "The UKE file to replicate (default: the shared real sample)" };
        var command = new Command("copy", "Plain binary COPY of the same records into PostgreSQL: the durable-append ceiling")
        {
            connection, receipts, concurrency, sample, CommonOptions.Json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var samplePath = parse.GetValue(sample) ?? Repo.SharedSample();
            var baseBytes = await File.ReadAllBytesAsync(samplePath, ct);
            var perFile = UkeParser.Parse(baseBytes, samplePath).Accepted;
            var fileCount = (parse.GetValue(receipts) + perFile - 1) / perFile;
            var files = Enumerable.Range(0, fileCount)
                .Select(i => UkeParser.Parse(SampleReplicator.MakeVariant(baseBytes, i), "bench").Receipts
                    .Select(GrainCodec.EncodeArrival).ToList())
                .ToList();
            var records = files.Sum(f => f.Count);

            await using var dataSource = NpgsqlDataSource.Create(parse.GetValue(connection)!);
            await using (var create = dataSource.CreateCommand("""
                DROP TABLE IF EXISTS bench_copy;
                CREATE TABLE bench_copy(seq bigint PRIMARY KEY, shard int NOT NULL, payload bytea NOT NULL);
                CREATE INDEX bench_copy_by_shard ON bench_copy(shard, seq);
                """))
                await create.ExecuteNonQueryAsync(ct);

            long seq = 0;
            var clock = Stopwatch.StartNew();
            await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = parse.GetValue(concurrency), CancellationToken = ct },
                async (file, token) =>
                {
                    var first = Interlocked.Add(ref seq, file.Count) - file.Count;
                    await using var conn = await dataSource.OpenConnectionAsync(token);
                    await using var tx = await conn.BeginTransactionAsync(token);
                    await using (var copy = await conn.BeginBinaryImportAsync("COPY bench_copy (seq, shard, payload) FROM STDIN (FORMAT BINARY)", token))
                    {
                        for (var i = 0; i < file.Count; i++)
                        {
                            await copy.StartRowAsync(token);
                            await copy.WriteAsync(first + i + 1, NpgsqlDbType.Bigint, token);
                            await copy.WriteAsync((int)((first + i) % 16), NpgsqlDbType.Integer, token);
                            await copy.WriteAsync(file[i], NpgsqlDbType.Bytea, token);
                        }
                        await copy.CompleteAsync(token);
                    }
                    await tx.CommitAsync(token);
                });
            var seconds = clock.Elapsed.TotalSeconds;
            await using (var drop = dataSource.CreateCommand("DROP TABLE bench_copy")) await drop.ExecuteNonQueryAsync(ct);

            if (parse.GetValue(CommonOptions.Json))
                Console.WriteLine(CommonOptions.ToJson(new { files = files.Count, receipts = records, seconds = Math.Round(seconds, 3),
                    copy_receipts_per_second = Math.Round(records / seconds) }));
            else
                Console.WriteLine($"COPY {records:N0} records in {files.Count:N0} transactions: {records / seconds:N0} receipts/s ({seconds:N1} s)");
            return 0;
        });
        return command;
    }
}
