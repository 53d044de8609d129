#!/usr/bin/env perl
# The US-spelling tool behind spelling-check.sh and spelling-fix.sh. Reads NUL-separated paths on stdin and the
# rules of spelling.txt beside it ("<Perl regex><TAB><replacement>", case-insensitive, applied in file order).
#   spelling.pl check   print file:line: word for each British form (file names too); exit 1 when there is any
#   spelling.pl fix     rewrite them in place keeping each match's case (lower, Capitalized or UPPER), and rename
#                       files whose names hold one (git mv for tracked files)
use strict;
use warnings;
use File::Basename qw(dirname basename);

my $mode = shift // '';
die "usage: spelling.pl check|fix < NUL-separated paths\n" unless $mode eq 'check' || $mode eq 'fix';

my @rules;
open my $list, '<', dirname(__FILE__) . '/spelling.txt' or die "spelling.txt: $!\n";
while (<$list>) {
    chomp;
    next if /^#/ || !/\t/;
    my ($re, $to) = split /\t/;
    push @rules, [qr/$re/i, $to];
}
close $list;
my $any = join '|', map { "(?:$_->[0])" } @rules;

# The replacement in the case of the text it replaces.
sub like {
    my ($from, $to) = @_;
    return uc $to if length $from > 1 && $from =~ /^[A-Z]+$/;
    return ucfirst $to if $from =~ /^[A-Z]/;
    return $to;
}

sub us {
    my ($text) = @_;
    for my $rule (@rules) {
        my ($re, $to) = @$rule;
        $text =~ s/($re)/like($1, $to)/ge;
    }
    return $text;
}

local $/ = "\0";
my @paths = map { chomp; $_ } <STDIN>;
local $/ = "\n";
my $hits = 0;
for my $path (@paths) {
    open my $in, '<', $path or die "$path: $!\n";
    my @lines = <$in>;
    close $in;
    if ($mode eq 'check') {
        if (basename($path) =~ /(\w*(?:$any)\w*)/i) { print "$path: file name $1\n"; $hits++; }
        for my $n (0 .. $#lines) {
            while ($lines[$n] =~ /(\w*(?:$any)\w*)/gi) { print "$path:", $n + 1, ": $1\n"; $hits++; }
        }
        next;
    }
    my @fixed = map { us($_) } @lines;
    if (join('', @fixed) ne join('', @lines)) {
        open my $out, '>', $path or die "$path: $!\n";
        print $out @fixed;
        close $out;
    }
    my $name = us(basename($path));
    next if $name eq basename($path);
    my $target = dirname($path) . "/$name";
    if (system("git ls-files --error-unmatch -- '$path' >/dev/null 2>&1") == 0) {
        system('git', 'mv', '--', $path, $target) == 0 or die "git mv $path $target failed\n";
    } else {
        rename $path, $target or die "mv $path $target: $!\n";
    }
    print "renamed $path -> $target\n";
}
if ($hits) {
    print STDERR "spelling: $hits British form(s); fix with build/spelling-fix.sh\n";
    exit 1;
}
