#!/bin/sh
# placeholder until the codec lands
exit 0
