namespace Campaigns.Domain.Validation;

/// <summary>
/// One wrong field of a request: <see cref="Field"/> is its path as a client writes it
/// (<c>contacts[3].phone</c>, <c>schedule.end_time</c>), <see cref="Message"/> says what is wrong in plain words.
/// </summary>
public sealed record FieldError(string Field, string Message);

/// <summary>Collects every <see cref="FieldError"/> of one request, so a client learns all its mistakes at once.</summary>
public sealed class ValidationErrors
{
    private readonly List<FieldError> _errors = [];

    public IReadOnlyList<FieldError> All => _errors;
    public bool Any => _errors.Count > 0;
    public int Count => _errors.Count;

    private readonly HashSet<string> _fields = new(StringComparer.Ordinal);

    public void Add(string field, string message)
    {
        _errors.Add(new FieldError(field, message));
        _fields.Add(field);
    }

    /// <summary>True when <paramref name="field"/> already has an error (so a later rule does not report it twice).</summary>
    public bool Has(string field) => _fields.Contains(field);

    /// <summary>Field paths: <c>Path.Join("contacts[3]", "phone")</c> gives <c>contacts[3].phone</c>.</summary>
    public static string Join(string parent, string child) => parent.Length == 0 ? child : $"{parent}.{child}";

    public static string Index(string parent, int index) => $"{parent}[{index}]";
}

/// <summary>Raised when a value object is built from input that breaks its rules.</summary>
public sealed class DomainValidationException(IReadOnlyList<FieldError> errors)
    : Exception(errors.Count == 1 ? $"{errors[0].Field}: {errors[0].Message}" : $"{errors.Count} fields are invalid")
{
    public IReadOnlyList<FieldError> Errors { get; } = errors;
}
