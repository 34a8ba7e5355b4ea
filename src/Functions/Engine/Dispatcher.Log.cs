namespace Campaigns.Functions.Engine;

/// <summary>The dispatcher's log messages.</summary>
internal sealed partial class Dispatcher
{
    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "No result came for attempt {Attempt}: recorded as failed")]
    private partial void LogNoResult(string attempt);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Attempt {Attempt} not placed: {Seconds:0} s after it was decided, past the placement lead (its calling window may be closing); recorded as failed")]
    private partial void LogTooLateToPlace(string attempt, double seconds);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "The voice agent refused attempt {Attempt}: {Reason}")]
    private partial void LogProviderRefused(string attempt, string reason);
}
