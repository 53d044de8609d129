namespace DnS.Cli;

/// <summary>The CLI's exit-code contract.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;
    public const int SomeFailed = 3;

    /// <summary><c>dns-train distill</c>: the students ranked held-out videos worse than the parameter-free models; they were kept in the output's <c>rejected/</c> folder, not installed.</summary>
    public const int ModelsRefused = 4;
}
