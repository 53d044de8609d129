namespace DnS.Cli;

/// <summary>The CLI's exit-code contract.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;
    public const int SomeFailed = 3;
}
