using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Campaigns.LocalHost.Tests.Infrastructure;

/// <summary>Keeps the host's log entries (and echoes them to the test output) so tests can check what the host did.</summary>
public sealed class LogCollector(ITestOutputHelper? output, string prefix) : ILoggerProvider
{
    private readonly ConcurrentQueue<Entry> _entries = new();

    public sealed record Entry(string Category, int EventId, LogLevel Level, string Message);

    public IReadOnlyCollection<Entry> Entries => _entries;

    public bool Has(int eventId) => _entries.Any(e => e.EventId == eventId);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(Entry entry)
    {
        _entries.Enqueue(entry);
        try
        {
            output?.WriteLine($"{prefix}{entry.Level,-11} {entry.Category}[{entry.EventId}] {entry.Message}");
        }
        catch (InvalidOperationException)
        {
            // the test has finished; its output is closed
        }
    }

    private sealed class Logger(LogCollector collector, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
                collector.Add(new Entry(category, eventId.Id, logLevel, formatter(state, exception)));
        }
    }
}
