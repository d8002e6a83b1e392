using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Shinsa.Silo.Tests;

/// <summary>
/// Keeps every message an in-process silo logs (with its exception's messages), so a test can read what an operator
/// would read. A failed start is reported there before the host lets go of its services; the exception the test
/// host rethrows is not always that one (it may touch the disposed services first).
/// </summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    private sealed class Logger(CapturedLogs logs, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var causes = exception is null ? "" : " | " + string.Join(" | ", Causes(exception));
            logs._lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}{causes}");
        }

        private static IEnumerable<string> Causes(Exception e) =>
            e is AggregateException a
                ? a.InnerExceptions.SelectMany(Causes)
                : e.InnerException is { } inner ? [e.Message, .. Causes(inner)] : [e.Message];
    }
}
